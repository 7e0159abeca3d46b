import type { RtpLayout } from '../../core/packet.js';

/**
 * Recording and replaying how a sender cut a NAL-unit frame (H264 RFC 6184, H265 RFC 7798) into RTP payloads.
 * Four uint32 per packet:
 * - single NAL unit packet: `SINGLE, nal, 0, 0`
 * - aggregation packet (STAP-A / AP): `AGGREGATE, first nal, count, header` (the sender's own header bytes)
 * - fragment (FU-A / FU): `FRAGMENT, nal, start, end`: bytes [start, end) of the NAL unit, header excluded
 * NAL indexes count the frame's NAL units in AVCC order.
 */
export const LAYOUT_SINGLE = 0;
export const LAYOUT_AGGREGATE = 1;
export const LAYOUT_FRAGMENT = 2;

/** Collects one frame's layout while the depacketizer assembles it; one array kept across frames. */
export class RtpLayoutRecorder {
  private readonly units: number[] = [];
  private valid = true;

  single(nal: number): void {
    this.units.push(LAYOUT_SINGLE, nal, 0, 0);
  }

  aggregate(first: number, count: number, header: number): void {
    this.units.push(LAYOUT_AGGREGATE, first, count, header);
  }

  fragment(nal: number, start: number, end: number): void {
    this.units.push(LAYOUT_FRAGMENT, nal, start, end);
  }

  /** The frame's NAL units no longer match its packets: it is sent cut afresh. */
  invalidate(): void {
    this.valid = false;
  }

  /** The finished frame's layout (undefined when invalidated), and a fresh start for the next frame. */
  take(nalHeaderSize: number): RtpLayout | undefined {
    const layout =
      this.valid && this.units.length > 0 ? { nalHeaderSize, units: new Uint32Array(this.units) } : undefined;
    this.clear();
    return layout;
  }

  clear(): void {
    this.units.length = 0;
    this.valid = true;
  }
}

/** What a NAL packetizer needs to rebuild the sender's payloads: its header sizes and header writers. */
export interface NalPayloadFormat {
  readonly nalHeaderSize: number;
  readonly fragmentOverhead: number;
  fragmentHeader(nal: Buffer, start: boolean, end: boolean): Buffer;
}

/**
 * The payloads of `layout` over the frame's NAL units, views into them plus the small headers; undefined
 * when the layout is of another format, does not cover exactly these NAL units, or a payload would be larger
 * than `maxPayloadSize` (the caller cuts the frame itself then).
 */
export function payloadsFromLayout(
  layout: RtpLayout,
  nalus: readonly Buffer[],
  format: NalPayloadFormat,
  maxPayloadSize: number,
): Buffer[][] | undefined {
  const hdr = format.nalHeaderSize;
  if (layout.nalHeaderSize !== hdr) return undefined;
  const units = layout.units;
  const payloads: Buffer[][] = [];
  // The next byte expected: NAL unit `nal`, at `offset` (0 = not started).
  let nal = 0;
  let offset = 0;
  for (let i = 0; i + 3 < units.length; i += 4) {
    const kind = units[i];
    const a = units[i + 1] as number;
    const b = units[i + 2] as number;
    const c = units[i + 3] as number;
    if (a !== nal) return undefined;
    if (kind === LAYOUT_SINGLE) {
      const unit = nalus[a];
      if (offset !== 0 || unit === undefined || unit.length > maxPayloadSize) return undefined;
      payloads.push([unit]);
      nal++;
    } else if (kind === LAYOUT_AGGREGATE) {
      if (offset !== 0 || b < 1 || a + b > nalus.length) return undefined;
      const header = Buffer.allocUnsafe(hdr);
      header.writeUIntBE(c, 0, hdr);
      const parts: Buffer[] = [header];
      let size = hdr;
      for (let n = a; n < a + b; n++) {
        const unit = nalus[n] as Buffer;
        const length = Buffer.allocUnsafe(2);
        length.writeUInt16BE(unit.length);
        parts.push(length, unit);
        size += 2 + unit.length;
      }
      if (size > maxPayloadSize) return undefined;
      payloads.push(parts);
      nal += b;
    } else if (kind === LAYOUT_FRAGMENT) {
      const unit = nalus[a];
      if (unit === undefined || b !== (offset === 0 ? hdr : offset) || c <= b || c > unit.length) return undefined;
      if (format.fragmentOverhead + (c - b) > maxPayloadSize) return undefined;
      payloads.push([format.fragmentHeader(unit, b === hdr, c === unit.length), unit.subarray(b, c)]);
      offset = c;
      if (c === unit.length) {
        nal++;
        offset = 0;
      }
    } else {
      return undefined;
    }
  }
  return nal === nalus.length && offset === 0 ? payloads : undefined;
}
