import { FramePerPacketDepacketizer } from '../rtp/payload.js';

/** RFC 7587 receiver: each RTP payload is one Opus packet, handed out as is (a view, no copy). */
export class OpusDepacketizer extends FramePerPacketDepacketizer {}
