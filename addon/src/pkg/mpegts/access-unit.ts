import { AAC_SAMPLE_RATES, parseAacConfig } from '../aac/config.js';
import { nalType, NalUnitType, splitAvcc } from '../h264/nalu.js';
import { h265NalType, H265NalUnitType, splitH265Frame } from '../h265/nalu.js';
import { MpegTsError } from './errors.js';

const START_CODE = Buffer.from([0, 0, 0, 1]);
/** access_unit_delimiter with primary_pic_type 7 (any slice type) and the stop bit. */
const H264_AUD = Buffer.from([0x09, 0xf0]);
/** AUD_NUT (35) header, pic_type 2 (any slice type) and the stop bit. */
const H265_AUD = Buffer.from([0x46, 0x01, 0x50]);

function annexB(nals: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const nal of nals) parts.push(START_CODE, nal);
  return Buffer.concat(parts);
}

/**
 * One length-prefixed (AVCC) H264 frame as an MPEG-TS access unit: Annex B, led by an AUD (which H.222.0
 * requires and Apple's HLS tools expect), with the SPS and PPS before a key frame that does not carry them
 * (a player may join at any key frame). The frame's own AUDs are dropped: one per access unit.
 */
export function h264AccessUnit(
  frame: Buffer,
  keyframe: boolean,
  sps: readonly Buffer[],
  pps: readonly Buffer[],
): Buffer {
  const nals = splitAvcc(frame).filter((n) => nalType(n) !== NalUnitType.AUD);
  const out: Buffer[] = [H264_AUD];
  if (keyframe) {
    const types = new Set(nals.map(nalType));
    if (!types.has(NalUnitType.SPS)) out.push(...sps);
    if (!types.has(NalUnitType.PPS)) out.push(...pps);
  }
  out.push(...nals);
  return annexB(out);
}

/** The same for H265: AUD first, VPS/SPS/PPS before a key frame that lacks them. */
export function h265AccessUnit(frame: Buffer, keyframe: boolean, parameterSets: readonly Buffer[]): Buffer {
  const nals = splitH265Frame(frame).filter((n) => h265NalType(n) !== H265NalUnitType.AUD);
  const out: Buffer[] = [H265_AUD];
  if (keyframe && !nals.some((n) => h265NalType(n) === H265NalUnitType.VPS)) out.push(...parameterSets);
  out.push(...nals);
  return annexB(out);
}

/** What an ADTS header needs from an AudioSpecificConfig. */
export interface AdtsConfig {
  /** profile field: audio object type - 1 (0 Main, 1 LC, 2 SSR, 3 LTP). */
  readonly profile: number;
  readonly frequencyIndex: number;
  readonly channels: number;
}

const MAX_ADTS_FRAME = 0x1fff;

/**
 * The ADTS fields for an AudioSpecificConfig. HE-AAC (SBR, PS) is written as its AAC LC core at the core rate,
 * the implicit signalling every decoder understands. Throws MPEGTS_CODEC for configs ADTS cannot express.
 */
export function adtsConfig(asc: Uint8Array): AdtsConfig {
  const info = parseAacConfig(asc);
  if (!info) throw new MpegTsError('MPEGTS_CODEC', 'AAC: unreadable AudioSpecificConfig');
  const objectType = info.objectType === 5 || info.objectType === 29 ? 2 : info.objectType;
  if (objectType < 1 || objectType > 4)
    throw new MpegTsError('MPEGTS_CODEC', `AAC object type ${info.objectType} has no ADTS profile`);
  // For SBR/PS configs the first rate in the config is the core's (ISO/IEC 14496-3 1.6.2.1).
  const frequencyIndex = AAC_SAMPLE_RATES.indexOf(info.sampleRate as (typeof AAC_SAMPLE_RATES)[number]);
  if (frequencyIndex < 0) throw new MpegTsError('MPEGTS_CODEC', `AAC sample rate ${info.sampleRate} has no ADTS index`);
  if (info.channels < 1 || info.channels > 7)
    throw new MpegTsError('MPEGTS_CODEC', `AAC channel configuration ${info.channels}`);
  return { profile: objectType - 1, frequencyIndex, channels: info.channels };
}

/** One raw AAC frame behind a 7-byte ADTS header (no CRC). */
export function adtsFrame(config: AdtsConfig, raw: Uint8Array): Buffer {
  const length = 7 + raw.length;
  if (length > MAX_ADTS_FRAME)
    throw new MpegTsError('MPEGTS_INPUT', `AAC frame of ${raw.length} bytes is too long for ADTS`);
  const out = Buffer.allocUnsafe(length);
  out[0] = 0xff;
  out[1] = 0xf1; // syncword end, MPEG-4, layer 0, protection_absent
  out[2] = (config.profile << 6) | (config.frequencyIndex << 2) | (config.channels >> 2);
  out[3] = ((config.channels & 0x03) << 6) | (length >> 11);
  out[4] = (length >> 3) & 0xff;
  out[5] = ((length & 0x07) << 5) | 0x1f; // buffer fullness 0x7FF (variable rate)
  out[6] = 0xfc; // rest of buffer fullness, one raw data block
  out.set(raw, 7);
  return out;
}

/** The NAL units of an hvcC record's arrays (VPS, SPS, PPS, SEI), in order; MPEGTS_CODEC when malformed. */
export function hvccParameterSets(hvcC: Buffer): Buffer[] {
  const fail = (what: string): never => {
    throw new MpegTsError('MPEGTS_CODEC', `hvcC: ${what}`);
  };
  if (hvcC.length < 23) fail(`${hvcC.length} bytes, the header has 23`);
  const arrays = hvcC[22] ?? 0;
  const nals: Buffer[] = [];
  let pos = 23;
  for (let a = 0; a < arrays; a++) {
    if (pos + 3 > hvcC.length) fail('array header past the end');
    const count = hvcC.readUInt16BE(pos + 1);
    pos += 3;
    for (let i = 0; i < count; i++) {
      if (pos + 2 > hvcC.length) fail('NAL length past the end');
      const size = hvcC.readUInt16BE(pos);
      pos += 2;
      if (size === 0 || pos + size > hvcC.length) fail(`NAL unit of ${size} bytes at ${pos}`);
      nals.push(hvcC.subarray(pos, pos + size));
      pos += size;
      if (nals.length > 64) fail('more than 64 parameter sets');
    }
  }
  return nals;
}
