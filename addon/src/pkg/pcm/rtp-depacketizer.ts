import { FramePerPacketDepacketizer } from '../rtp/payload.js';

/**
 * RFC 3551 receiver for PCMU, PCMA and L16: each payload is a run of samples, handed out as one frame (a
 * view, no copy) with the packet's timestamp.
 */
export class PcmDepacketizer extends FramePerPacketDepacketizer {}
