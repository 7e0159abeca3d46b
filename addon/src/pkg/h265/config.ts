import { H265Error } from './errors.js';
import { H265NalUnitType, h265NalType } from './nalu.js';
import { parseH265Sps, type H265Sps } from './sps.js';

export interface HvcConfigInput {
  readonly vps: readonly Buffer[];
  readonly sps: readonly Buffer[];
  readonly pps: readonly Buffer[];
}

/**
 * An HEVCDecoderConfigurationRecord (hvcC body, ISO/IEC 14496-15 8.3.3.1) from parameter sets, with 4-byte
 * NAL lengths. Profile, tier, level, chroma format and bit depths come from the first SPS; the fields that
 * need the VUI (min_spatial_segmentation_idc, parallelismType) or timing are written as "unknown" (0).
 */
export function buildHvcConfig(input: HvcConfigInput): Buffer {
  const first = input.sps[0];
  if (first === undefined) throw new H265Error('H265_BAD_NALU', 'an hvcC needs at least one SPS');
  const sps = parseH265Sps(first);
  const arrays: Array<[number, readonly Buffer[]]> = [
    [H265NalUnitType.VPS, input.vps],
    [H265NalUnitType.SPS, input.sps],
    [H265NalUnitType.PPS, input.pps],
  ];
  const parts: Buffer[] = [];
  const head = Buffer.alloc(23);
  head[0] = 1; // configurationVersion
  sps.profileTierLevel.copy(head, 1, 0, 12); // profile_space..general_level_idc
  head.writeUInt16BE(0xf000, 13); // reserved 1111, min_spatial_segmentation_idc 0
  head[15] = 0xfc; // reserved 111111, parallelismType 0 (unknown)
  head[16] = 0xfc | sps.chromaFormatIdc;
  head[17] = 0xf8 | (sps.bitDepthLuma - 8);
  head[18] = 0xf8 | (sps.bitDepthChroma - 8);
  head.writeUInt16BE(0, 19); // avgFrameRate unknown
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3
  head[21] = ((sps.maxSubLayers & 0x07) << 3) | ((sps.temporalIdNesting ? 1 : 0) << 2) | 0x03;
  const present = arrays.filter(([, nalus]) => nalus.length > 0);
  head[22] = present.length;
  parts.push(head);
  for (const [type, nalus] of present) {
    if (nalus.length > 0xffff) throw new H265Error('H265_LIMIT', `${nalus.length} parameter sets of type ${type}`);
    const arrayHead = Buffer.alloc(3);
    arrayHead[0] = 0x80 | type; // array_completeness 1: every set of this type is here
    arrayHead.writeUInt16BE(nalus.length, 1);
    parts.push(arrayHead);
    for (const nal of nalus) {
      if (h265NalType(nal) !== type || nal.length > 0xffff) {
        throw new H265Error('H265_BAD_NALU', `hvcC entry is not a type ${type} NAL unit of at most 65535 bytes`);
      }
      const length = Buffer.alloc(2);
      length.writeUInt16BE(nal.length);
      parts.push(length, nal);
    }
  }
  return Buffer.concat(parts);
}

/**
 * The RFC 6381 codecs value for H.265 (ISO/IEC 14496-15 E.3), e.g. `hvc1.1.6.L153.B0`: profile space letter
 * and profile, the compatibility flags bit-reversed in hex, tier and level, then the constraint bytes with
 * trailing zero bytes left out.
 */
export function h265CodecString(sps: H265Sps | Buffer, sampleEntry: 'hvc1' | 'hev1' = 'hvc1'): string {
  const info = Buffer.isBuffer(sps) ? parseH265Sps(sps) : sps;
  const ptl = info.profileTierLevel;
  const space = ['', 'A', 'B', 'C'][info.profileSpace] ?? '';
  let compat = ptl.readUInt32BE(1);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = reversed * 2 + (compat & 1);
    compat >>>= 1;
  }
  const constraints = [...ptl.subarray(5, 11)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [
    sampleEntry,
    `${space}${info.profileIdc}`,
    reversed.toString(16).toUpperCase(),
    `${info.tier ? 'H' : 'L'}${info.levelIdc}`,
    ...constraints.map((b) => b.toString(16).toUpperCase()),
  ];
  return parts.join('.');
}
