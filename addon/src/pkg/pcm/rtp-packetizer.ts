import type { Packet } from '../../core/packet.js';
import { RtpError } from '../rtp/errors.js';
import { RtpPacketizerBase, type RtpPacketOut, type RtpPacketizerOptions } from '../rtp/payload.js';

export interface PcmPacketizerOptions extends RtpPacketizerOptions {
  /** Bytes of one sample period across all channels: 1 for G.711, 2 * channels for L16. Defaults to 1. */
  readonly sampleSize?: number;
}

/**
 * RFC 3551 sender for PCMU, PCMA and L16: a frame that fits goes out as one packet; a longer one is cut on
 * sample boundaries, each packet's timestamp advanced by the samples before it (the RTP clock is the
 * sample rate). Marker on the first packet only, the start of the first talkspurt (RFC 3551 4.1).
 */
export class PcmPacketizer extends RtpPacketizerBase {
  readonly sampleSize: number;
  private first = true;

  constructor(options: PcmPacketizerOptions) {
    super(options);
    const size = options.sampleSize ?? 1;
    if (!Number.isInteger(size) || size < 1 || size > 64 || size > this.maxPayloadSize) {
      throw new RtpError('RTP_BAD_OPTIONS', `sampleSize ${size} is not 1..64 and at most maxPayloadSize`);
    }
    this.sampleSize = size;
  }

  packetize(frame: Packet): RtpPacketOut[] {
    const data = frame.payload;
    const chunk = this.maxPayloadSize - (this.maxPayloadSize % this.sampleSize);
    const base = this.rtpTimestamp(frame.timestamp);
    const out: RtpPacketOut[] = [];
    for (let pos = 0; pos < data.length; pos += chunk) {
      const end = Math.min(data.length, pos + chunk);
      out.push(this.packet([data.subarray(pos, end)], (base + pos / this.sampleSize) >>> 0, this.first));
      this.first = false;
    }
    return out;
  }
}
