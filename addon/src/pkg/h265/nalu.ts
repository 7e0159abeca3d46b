import { H265Error } from './errors.js';

/** nal_unit_type values (H.265 Table 7-1) used here, plus the RFC 7798 RTP payload types. */
export const H265NalUnitType = {
  TRAIL_N: 0,
  TRAIL_R: 1,
  RASL_R: 9,
  BLA_W_LP: 16,
  BLA_W_RADL: 17,
  BLA_N_LP: 18,
  IDR_W_RADL: 19,
  IDR_N_LP: 20,
  CRA_NUT: 21,
  RSV_IRAP_23: 23,
  VPS: 32,
  SPS: 33,
  PPS: 34,
  AUD: 35,
  EOS: 36,
  EOB: 37,
  FD: 38,
  PREFIX_SEI: 39,
  SUFFIX_SEI: 40,
  // RFC 7798: only in RTP payloads.
  AP: 48,
  FU: 49,
  PACI: 50,
} as const;

/** A frame rarely has more than a few dozen NAL units; more is hostile. */
export const MAX_H265_NALUS_PER_FRAME = 1024;

/** nal_unit_type from the first header byte (bits 1..6). */
export function h265NalType(nal: Buffer): number {
  const b = nal[0];
  if (b === undefined || nal.length < 2)
    throw new H265Error('H265_BAD_NALU', `NAL unit of ${nal.length} bytes, its header has 2`);
  return (b >> 1) & 0x3f;
}

/** Intra random access point pictures (BLA, IDR, CRA and the reserved IRAP types): a decoder can start there. */
export function isIrapType(type: number): boolean {
  return type >= H265NalUnitType.BLA_W_LP && type <= H265NalUnitType.RSV_IRAP_23;
}

/** Video coding layer NAL units: the slices of a picture. */
export function isVclType(type: number): boolean {
  return type < H265NalUnitType.VPS;
}

/** AVCC-style length-prefixed frame (hvcC samples, 4-byte lengths by default) to NAL unit views. */
export function splitH265Frame(frame: Buffer, nalLengthSize = 4): Buffer[] {
  if (nalLengthSize < 1 || nalLengthSize > 4 || !Number.isInteger(nalLengthSize)) {
    throw new H265Error('H265_BAD_NALU', `NAL length size ${nalLengthSize} is not 1 to 4`);
  }
  const nalus: Buffer[] = [];
  let pos = 0;
  while (pos < frame.length) {
    if (frame.length - pos < nalLengthSize)
      throw new H265Error('H265_TRUNCATED', `${frame.length - pos} bytes left at ${pos}`);
    const size = frame.readUIntBE(pos, nalLengthSize);
    pos += nalLengthSize;
    if (size > frame.length - pos) {
      throw new H265Error('H265_TRUNCATED', `NAL unit of ${size} bytes at ${pos}, only ${frame.length - pos} left`);
    }
    if (size > 0) {
      if (nalus.length >= MAX_H265_NALUS_PER_FRAME) {
        throw new H265Error('H265_LIMIT', `more than ${MAX_H265_NALUS_PER_FRAME} NAL units in one frame`);
      }
      nalus.push(frame.subarray(pos, pos + size));
    }
    pos += size;
  }
  return nalus;
}

/** True when the length-prefixed frame holds an IRAP picture. */
export function isH265Keyframe(frame: Buffer, nalLengthSize = 4): boolean {
  return splitH265Frame(frame, nalLengthSize).some((nal) => isIrapType(h265NalType(nal)));
}
