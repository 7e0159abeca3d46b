import { NalPacketizerBase, type NalPacketizerOptions } from '../rtp/nal-packetizer.js';
import { H265NalUnitType } from './nalu.js';

export type H265PacketizerOptions = NalPacketizerOptions;

/**
 * RFC 7798 sender without DONL (sprop-max-don-diff=0): single NAL unit packets, aggregation packets for runs
 * of small NAL units (option `aggregate`), fragmentation units for NAL units larger than maxPayloadSize.
 * Input is an AVCC-style access unit with 4-byte lengths.
 */
export class H265Packetizer extends NalPacketizerBase {
  readonly nalHeaderSize = 2;
  readonly fragmentOverhead = 3;

  constructor(options: H265PacketizerOptions) {
    super(options);
  }

  protected aggregationHeader(nalus: readonly Buffer[]): Buffer {
    // F is the OR of the units' F bits; layer id and temporal id are their minimum (RFC 7798 4.4.2).
    let f = 0;
    let layer = 0x3f;
    let tid = 7;
    for (const nal of nalus) {
      const b0 = nal[0] ?? 0;
      const b1 = nal[1] ?? 0;
      f |= b0 & 0x80;
      layer = Math.min(layer, ((b0 & 1) << 5) | (b1 >> 3));
      tid = Math.min(tid, b1 & 7);
    }
    return Buffer.from([f | (H265NalUnitType.AP << 1) | (layer >> 5), ((layer & 0x1f) << 3) | tid]);
  }

  fragmentHeader(nal: Buffer, start: boolean, end: boolean): Buffer {
    const b0 = nal[0] ?? 0;
    const type = (b0 >> 1) & 0x3f;
    return Buffer.from([
      (b0 & 0x81) | (H265NalUnitType.FU << 1),
      nal[1] ?? 0,
      (start ? 0x80 : 0) | (end ? 0x40 : 0) | type,
    ]);
  }
}
