import { NalPacketizerBase, type NalPacketizerOptions } from '../rtp/nal-packetizer.js';
import { NalUnitType } from './nalu.js';

export type H264PacketizerOptions = NalPacketizerOptions;

/**
 * RFC 6184 sender, packetization-mode=1: single NAL unit packets, STAP-A for runs of small NAL units
 * (option `aggregate`), FU-A for NAL units larger than maxPayloadSize. Input is an AVCC access unit.
 */
export class H264Packetizer extends NalPacketizerBase {
  readonly nalHeaderSize = 1;
  readonly fragmentOverhead = 2;

  constructor(options: H264PacketizerOptions) {
    super(options);
  }

  protected aggregationHeader(nalus: readonly Buffer[]): Buffer {
    // F is the OR of the units' F bits, NRI their maximum (RFC 6184 5.7.1).
    let f = 0;
    let nri = 0;
    for (const nal of nalus) {
      const h = nal[0] ?? 0;
      f |= h & 0x80;
      nri = Math.max(nri, h & 0x60);
    }
    return Buffer.from([f | nri | NalUnitType.STAPA]);
  }

  fragmentHeader(nal: Buffer, start: boolean, end: boolean): Buffer {
    const h = nal[0] ?? 0;
    return Buffer.from([(h & 0xe0) | NalUnitType.FUA, (start ? 0x80 : 0) | (end ? 0x40 : 0) | (h & 0x1f)]);
  }
}
