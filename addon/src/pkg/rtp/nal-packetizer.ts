import type { Packet } from '../../core/packet.js';
import { RtpError } from './errors.js';
import { payloadsFromLayout } from './layout.js';
import { RtpPacketizerBase, type RtpPacketOut, type RtpPacketizerOptions } from './payload.js';

export interface NalPacketizerOptions extends RtpPacketizerOptions {
  /**
   * Put consecutive small NAL units (SPS, PPS, SEI...) into one aggregation packet (H.264 STAP-A, H.265 AP).
   * Defaults to true.
   */
  readonly aggregate?: boolean;
}

/** A frame has at most this many NAL units; a longer AVCC list is not a frame. */
const MAX_NALUS = 1024;

/** AVCC (4-byte lengths) to NAL unit views; zero-length entries are skipped. */
export function splitAvccFrame(frame: Buffer): Buffer[] {
  const nalus: Buffer[] = [];
  let pos = 0;
  while (pos < frame.length) {
    if (frame.length - pos < 4)
      throw new RtpError('RTP_BAD_PAYLOAD', `frame is not AVCC: ${frame.length - pos} stray bytes`);
    const size = frame.readUInt32BE(pos);
    pos += 4;
    if (size > frame.length - pos) {
      throw new RtpError('RTP_BAD_PAYLOAD', `frame is not AVCC: NAL unit of ${size} bytes, ${frame.length - pos} left`);
    }
    if (size > 0) {
      if (nalus.length >= MAX_NALUS) throw new RtpError('RTP_LIMIT', `more than ${MAX_NALUS} NAL units in a frame`);
      nalus.push(frame.subarray(pos, pos + size));
    }
    pos += size;
  }
  return nalus;
}

/**
 * Packetization shared by H.264 (RFC 6184, non-interleaved mode) and H.265 (RFC 7798 without DONL): a NAL
 * unit that fits goes alone or aggregated with its small neighbours, a larger one is fragmented. Payload
 * parts are views into the frame plus the tiny headers the subclass builds; the last packet of the
 * access unit carries the marker bit.
 */
export abstract class NalPacketizerBase extends RtpPacketizerBase {
  readonly aggregate: boolean;

  protected constructor(options: NalPacketizerOptions) {
    super(options);
    this.aggregate = options.aggregate ?? true;
  }

  /** Bytes of the NAL unit header (1 for H.264, 2 for H.265). */
  abstract readonly nalHeaderSize: number;
  /** Bytes of the fragmentation unit's headers that replace the NAL header (2 for FU-A, 3 for H.265 FU). */
  abstract readonly fragmentOverhead: number;
  /** Header of an aggregation packet holding `nalus` (its size must equal nalHeaderSize). */
  protected abstract aggregationHeader(nalus: readonly Buffer[]): Buffer;
  /** Headers of one fragment of `nal` (fragmentOverhead bytes). */
  abstract fragmentHeader(nal: Buffer, start: boolean, end: boolean): Buffer;

  packetize(frame: Packet): RtpPacketOut[] {
    const nalus = splitAvccFrame(frame.payload);
    // The source's own packets when they fit: no more packets than the camera sent, and its payload bytes.
    const payloads =
      (frame.rtpLayout && payloadsFromLayout(frame.rtpLayout, nalus, this, this.maxPayloadSize)) || this.cut(nalus);
    const timestamp = this.rtpTimestamp(frame.timestamp);
    return payloads.map((parts, n) => this.packet(parts, timestamp, n === payloads.length - 1));
  }

  /** Our own cut: single packets, aggregation of small neighbours, fragments of large units. */
  private cut(nalus: readonly Buffer[]): Buffer[][] {
    const payloads: Buffer[][] = [];
    const max = this.maxPayloadSize;
    let i = 0;
    while (i < nalus.length) {
      const nal = nalus[i] as Buffer;
      if (nal.length < this.nalHeaderSize) throw new RtpError('RTP_BAD_PAYLOAD', `NAL unit of ${nal.length} bytes`);
      if (nal.length > max) {
        this.fragment(nal, payloads);
        i++;
        continue;
      }
      let j = i + 1;
      let size = this.nalHeaderSize + 2 + nal.length;
      while (this.aggregate && j < nalus.length) {
        const next = nalus[j] as Buffer;
        if (size + 2 + next.length > max) break;
        size += 2 + next.length;
        j++;
      }
      if (j - i === 1) {
        payloads.push([nal]);
      } else {
        const group = nalus.slice(i, j);
        const parts: Buffer[] = [this.aggregationHeader(group)];
        for (const unit of group) parts.push(lengthPrefix(unit.length), unit);
        payloads.push(parts);
      }
      i = j;
    }
    return payloads;
  }

  private fragment(nal: Buffer, payloads: Buffer[][]): void {
    const chunk = this.maxPayloadSize - this.fragmentOverhead;
    let pos = this.nalHeaderSize;
    while (pos < nal.length) {
      const end = Math.min(nal.length, pos + chunk);
      payloads.push([this.fragmentHeader(nal, pos === this.nalHeaderSize, end === nal.length), nal.subarray(pos, end)]);
      pos = end;
    }
  }
}

function lengthPrefix(size: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(size);
  return b;
}
