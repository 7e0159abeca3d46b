import { FramePerPacketPacketizer, type RtpPacketizerOptions } from '../rtp/payload.js';

export type OpusPacketizerOptions = RtpPacketizerOptions;

/**
 * RFC 7587 sender: one Opus packet per RTP packet, never fragmented (a packet larger than maxPayloadSize
 * still goes out whole); the RTP clock is always 48 kHz, whatever the input rate.
 */
export class OpusPacketizer extends FramePerPacketPacketizer {}
