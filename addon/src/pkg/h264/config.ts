import { H264Error } from './errors.js';
import { NalUnitType, nalType } from './nalu.js';
import { parseSps } from './sps.js';

/** An AVCDecoderConfigurationRecord (avcC, ISO/IEC 14496-15 5.3.3). */
export interface AvcConfig {
  /** AVCProfileIndication: profile_idc of the SPS. */
  readonly profile: number;
  /** profile_compatibility: the SPS constraint_set flags byte. */
  readonly compat: number;
  /** AVCLevelIndication: level_idc of the SPS. */
  readonly level: number;
  /** Bytes of each NAL length prefix in the samples (1, 2 or 4; 3 is accepted as ffmpeg does). */
  readonly nalLengthSize: number;
  /** SPS NAL units (with their header byte), views into the record. */
  readonly sps: Buffer[];
  /** PPS NAL units (with their header byte), views into the record. */
  readonly pps: Buffer[];
}

class RecordReader {
  pos = 0;

  constructor(private readonly data: Buffer) {}

  u8(field: string): number {
    const v = this.data[this.pos];
    if (v === undefined) throw new H264Error('H264_TRUNCATED', `avcC ends before ${field} (at ${this.pos})`);
    this.pos++;
    return v;
  }

  nal(field: string): Buffer {
    const size = this.u8(field) * 256 + this.u8(field);
    if (size === 0) throw new H264Error('H264_BAD_CONFIG', `avcC has an empty ${field}`);
    if (size > this.data.length - this.pos) {
      throw new H264Error('H264_TRUNCATED', `avcC ${field} of ${size} bytes, only ${this.data.length - this.pos} left`);
    }
    const v = this.data.subarray(this.pos, this.pos + size);
    this.pos += size;
    return v;
  }
}

/** Parses an avcC body. Trailing bytes (the high-profile chroma/bit-depth extension) are ignored. */
export function parseAvcConfig(avcC: Buffer): AvcConfig {
  const r = new RecordReader(avcC);
  const version = r.u8('configurationVersion');
  if (version !== 1) throw new H264Error('H264_BAD_CONFIG', `avcC configurationVersion ${version}, expected 1`);
  const profile = r.u8('AVCProfileIndication');
  const compat = r.u8('profile_compatibility');
  const level = r.u8('AVCLevelIndication');
  const nalLengthSize = (r.u8('lengthSizeMinusOne') & 0x03) + 1;
  const spsCount = r.u8('numOfSequenceParameterSets') & 0x1f;
  const sps: Buffer[] = [];
  for (let i = 0; i < spsCount; i++) sps.push(r.nal('SPS'));
  const ppsCount = r.u8('numOfPictureParameterSets');
  const pps: Buffer[] = [];
  for (let i = 0; i < ppsCount; i++) pps.push(r.nal('PPS'));
  if (sps.length === 0) throw new H264Error('H264_BAD_CONFIG', 'avcC has no SPS');
  return { profile, compat, level, nalLengthSize, sps, pps };
}

export interface AvcConfigInput {
  readonly sps: readonly Buffer[];
  readonly pps: readonly Buffer[];
  /** Defaults to 4, what every MP4 writer uses. */
  readonly nalLengthSize?: 1 | 2 | 4;
}

// Profiles whose avcC carries the chroma/bit-depth extension (ISO/IEC 14496-15 5.3.3.1.2).
const EXTENDED_PROFILES = new Set([100, 110, 122, 144]);

/** Builds an avcC body from parameter sets (e.g. from an RTSP sprop-parameter-sets). */
export function buildAvcConfig(input: AvcConfigInput): Buffer {
  const first = input.sps[0];
  if (first === undefined) throw new H264Error('H264_BAD_CONFIG', 'an avcC needs at least one SPS');
  if (input.sps.length > 31) throw new H264Error('H264_LIMIT', `${input.sps.length} SPS, an avcC holds at most 31`);
  if (input.pps.length > 255) throw new H264Error('H264_LIMIT', `${input.pps.length} PPS, an avcC holds at most 255`);
  for (const nal of input.sps) {
    if (nal.length > 0xffff || nalType(nal) !== NalUnitType.SPS) {
      throw new H264Error('H264_BAD_CONFIG', 'avcC SPS entry is not an SPS NAL unit of at most 65535 bytes');
    }
  }
  for (const nal of input.pps) {
    if (nal.length > 0xffff || nalType(nal) !== NalUnitType.PPS) {
      throw new H264Error('H264_BAD_CONFIG', 'avcC PPS entry is not a PPS NAL unit of at most 65535 bytes');
    }
  }
  const sps = parseSps(first);
  const nalLengthSize = input.nalLengthSize ?? 4;
  const extended = EXTENDED_PROFILES.has(sps.profileIdc);
  const parts: Buffer[] = [
    Buffer.from([
      1,
      sps.profileIdc,
      sps.constraintFlags,
      sps.levelIdc,
      0xfc | (nalLengthSize - 1),
      0xe0 | input.sps.length,
    ]),
  ];
  for (const nal of input.sps) parts.push(lengthPrefix(nal), nal);
  parts.push(Buffer.from([input.pps.length]));
  for (const nal of input.pps) parts.push(lengthPrefix(nal), nal);
  if (extended) {
    parts.push(
      Buffer.from([
        0xfc | sps.chromaFormatIdc,
        0xf8 | (sps.bitDepthLuma - 8),
        0xf8 | (sps.bitDepthChroma - 8),
        0, // numOfSequenceParameterSetExt
      ]),
    );
  }
  return Buffer.concat(parts);
}

function lengthPrefix(nal: Buffer): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(nal.length);
  return b;
}
