import { H264Error } from './errors.js';

/** nal_unit_type values (H.264 Table 7-1), plus the RFC 6184 RTP aggregation/fragment types. */
export const NalUnitType = {
  Slice: 1,
  SliceDataA: 2,
  SliceDataB: 3,
  SliceDataC: 4,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  EndOfSequence: 10,
  EndOfStream: 11,
  Filler: 12,
  SPSExtension: 13,
  Prefix: 14,
  SubsetSPS: 15,
  AuxiliarySlice: 19,
  SliceExtension: 20,
  // RFC 6184: only ever in RTP payloads, never in a byte stream or an MP4 sample.
  STAPA: 24,
  STAPB: 25,
  MTAP16: 26,
  MTAP24: 27,
  FUA: 28,
  FUB: 29,
} as const;
export type NalUnitType = (typeof NalUnitType)[keyof typeof NalUnitType];

/** A frame rarely has more than a few dozen NAL units (slices, SEI, SPS/PPS); more is hostile. */
export const MAX_NALUS_PER_FRAME = 1024;

/** nal_unit_type of a NAL unit (the low 5 bits of its header byte). */
export function nalType(nal: Buffer): number {
  const header = nal[0];
  if (header === undefined) throw new H264Error('H264_BAD_NALU', 'empty NAL unit');
  return header & 0x1f;
}

function checkLengthSize(nalLengthSize: number): void {
  if (nalLengthSize !== 1 && nalLengthSize !== 2 && nalLengthSize !== 3 && nalLengthSize !== 4) {
    throw new H264Error('H264_BAD_CONFIG', `NAL length size ${nalLengthSize} is not 1 to 4`);
  }
}

function tooMany(): never {
  throw new H264Error('H264_LIMIT', `more than ${MAX_NALUS_PER_FRAME} NAL units in one frame`);
}

/**
 * Splits a length-prefixed (AVCC, as in MP4 samples) frame into NAL units: views into
 * `frame`, no copies. Zero-length entries carry nothing and are skipped.
 */
export function splitAvcc(frame: Buffer, nalLengthSize = 4): Buffer[] {
  checkLengthSize(nalLengthSize);
  const nals: Buffer[] = [];
  let pos = 0;
  while (pos < frame.length) {
    if (frame.length - pos < nalLengthSize) {
      throw new H264Error('H264_TRUNCATED', `${frame.length - pos} bytes left at ${pos}, less than a NAL length`);
    }
    const size = frame.readUIntBE(pos, nalLengthSize);
    pos += nalLengthSize;
    if (size > frame.length - pos) {
      throw new H264Error('H264_TRUNCATED', `NAL unit of ${size} bytes at ${pos}, only ${frame.length - pos} left`);
    }
    if (size > 0) {
      if (nals.length >= MAX_NALUS_PER_FRAME) tooMany();
      nals.push(frame.subarray(pos, pos + size));
    }
    pos += size;
  }
  return nals;
}

/** True when the AVCC frame holds an IDR slice, i.e. a decoder can start from it. */
export function isKeyframe(avccFrame: Buffer, nalLengthSize = 4): boolean {
  return splitAvcc(avccFrame, nalLengthSize).some((nal) => nalType(nal) === NalUnitType.IDR);
}

const START_CODE = Buffer.from([0, 0, 1]);

/**
 * Splits an Annex B byte stream (00 00 01 or 00 00 00 01 start codes) into NAL units:
 * views into `stream`, no copies. Zero bytes before a start code belong to it
 * (trailing_zero_8bits), so they are not part of the previous NAL unit.
 */
export function splitAnnexB(stream: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  let at = stream.indexOf(START_CODE);
  if (at < 0) {
    if (stream.every((b) => b === 0)) return nals;
    throw new H264Error('H264_BAD_NALU', 'no start code in an Annex B stream');
  }
  for (let i = 0; i < at; i++) {
    if (stream[i] !== 0) throw new H264Error('H264_BAD_NALU', `data before the first start code (at ${at})`);
  }
  while (at >= 0) {
    const start = at + 3;
    const next = stream.indexOf(START_CODE, start);
    let end = next < 0 ? stream.length : next;
    while (end > start && stream[end - 1] === 0) end--;
    if (end > start) {
      if (nals.length >= MAX_NALUS_PER_FRAME) tooMany();
      nals.push(stream.subarray(start, end));
    }
    at = next;
  }
  return nals;
}

/** Annex B to 4-byte length prefixes (the MP4 and WebRTC-internal layout). Copies once. */
export function annexBToAvcc(stream: Buffer): Buffer {
  return joinAvcc(splitAnnexB(stream));
}

/** Length prefixes to 4-byte start codes (what RTSP/ffmpeg pipes and MPEG-TS carry). Copies once. */
export function avccToAnnexB(frame: Buffer, nalLengthSize = 4): Buffer {
  const nals = splitAvcc(frame, nalLengthSize);
  const out = Buffer.allocUnsafe(nals.reduce((n, nal) => n + 4 + nal.length, 0));
  let pos = 0;
  for (const nal of nals) {
    out.writeUInt32BE(1, pos);
    nal.copy(out, pos + 4);
    pos += 4 + nal.length;
  }
  return out;
}

/** NAL units to one AVCC frame with 4-byte lengths. */
export function joinAvcc(nals: readonly Buffer[]): Buffer {
  if (nals.length > MAX_NALUS_PER_FRAME) tooMany();
  const out = Buffer.allocUnsafe(nals.reduce((n, nal) => n + 4 + nal.length, 0));
  let pos = 0;
  for (const nal of nals) {
    out.writeUInt32BE(nal.length, pos);
    nal.copy(out, pos + 4);
    pos += 4 + nal.length;
  }
  return out;
}
