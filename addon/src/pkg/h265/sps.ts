import { removeEmulationPrevention } from '../h264/bits.js';
import { H265Error } from './errors.js';
import { H265NalUnitType, h265NalType } from './nalu.js';

/** What an MP4 writer needs from a sequence parameter set (H.265 7.3.2.2). */
export interface H265Sps {
  /**
   * The 12 bytes of general_profile_space .. general_level_idc (profile_tier_level(), 7.3.3), exactly as
   * the hvcC record and the RFC 6381 codecs string carry them.
   */
  readonly profileTierLevel: Buffer;
  readonly profileSpace: number;
  readonly tier: number;
  readonly profileIdc: number;
  readonly levelIdc: number;
  readonly maxSubLayers: number;
  readonly temporalIdNesting: boolean;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number;
  readonly bitDepthLuma: number;
  readonly bitDepthChroma: number;
  /** Displayed size, after the conformance window. */
  readonly width: number;
  readonly height: number;
}

/** The largest H.265 picture (level 6.2) is 8192x4320; anything far beyond is a broken SPS. */
const MAX_DIMENSION = 16888;
const MAX_LEADING_ZEROS = 31;

/** MSB-first reader over an RBSP; running past the end is H265_TRUNCATED. */
class RbspReader {
  private bit = 0;

  constructor(private readonly data: Buffer) {}

  u(n: number, field: string): number {
    if (n > this.data.length * 8 - this.bit) throw new H265Error('H265_TRUNCATED', `SPS ends inside ${field}`);
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.data[this.bit >> 3] ?? 0;
      v = v * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  ue(field: string): number {
    let zeros = 0;
    while (this.u(1, field) === 0) {
      zeros++;
      if (zeros > MAX_LEADING_ZEROS)
        throw new H265Error('H265_BAD_NALU', `SPS ${field} has more than ${MAX_LEADING_ZEROS} leading zeros`);
    }
    return 2 ** zeros - 1 + this.u(zeros, field);
  }
}

function bad(field: string, value: number): never {
  throw new H265Error('H265_BAD_NALU', `SPS ${field} ${value} is out of range`);
}

/** Parses an SPS NAL unit (with its 2-byte header). */
export function parseH265Sps(nal: Buffer): H265Sps {
  const type = h265NalType(nal);
  if (type !== H265NalUnitType.SPS) throw new H265Error('H265_BAD_NALU', `NAL unit type ${type} is not an SPS`);
  const rbsp = removeEmulationPrevention(nal.subarray(2));
  if (rbsp.length < 13) throw new H265Error('H265_TRUNCATED', `SPS of ${nal.length} bytes has no profile_tier_level`);
  const r = new RbspReader(rbsp);
  r.u(4, 'sps_video_parameter_set_id');
  const maxSubLayers = r.u(3, 'sps_max_sub_layers_minus1') + 1;
  if (maxSubLayers > 7) bad('sps_max_sub_layers_minus1', maxSubLayers - 1);
  const temporalIdNesting = r.u(1, 'sps_temporal_id_nesting_flag') === 1;
  const profileTierLevel = Buffer.from(rbsp.subarray(1, 13));
  const profileSpace = r.u(2, 'general_profile_space');
  const tier = r.u(1, 'general_tier_flag');
  const profileIdc = r.u(5, 'general_profile_idc');
  r.u(32, 'general_profile_compatibility_flags');
  r.u(24, 'general constraint flags');
  r.u(24, 'general constraint flags');
  const levelIdc = r.u(8, 'general_level_idc');
  // Sub-layer profile/level (7.3.3): presence flags, padding to 8 entries, then the present parts.
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayers - 1; i++) {
    profilePresent.push(r.u(1, 'sub_layer_profile_present_flag') === 1);
    levelPresent.push(r.u(1, 'sub_layer_level_present_flag') === 1);
  }
  if (maxSubLayers > 1) for (let i = maxSubLayers - 1; i < 8; i++) r.u(2, 'reserved_zero_2bits');
  for (let i = 0; i < maxSubLayers - 1; i++) {
    if (profilePresent[i]) {
      r.u(32, 'sub_layer profile');
      r.u(32, 'sub_layer profile');
      r.u(24, 'sub_layer profile');
    }
    if (levelPresent[i]) r.u(8, 'sub_layer_level_idc');
  }
  const spsId = r.ue('sps_seq_parameter_set_id');
  if (spsId > 15) bad('sps_seq_parameter_set_id', spsId);
  const chromaFormatIdc = r.ue('chroma_format_idc');
  if (chromaFormatIdc > 3) bad('chroma_format_idc', chromaFormatIdc);
  let separateColourPlane = false;
  if (chromaFormatIdc === 3) separateColourPlane = r.u(1, 'separate_colour_plane_flag') === 1;
  const codedWidth = r.ue('pic_width_in_luma_samples');
  const codedHeight = r.ue('pic_height_in_luma_samples');
  if (codedWidth < 1 || codedWidth > MAX_DIMENSION) bad('pic_width_in_luma_samples', codedWidth);
  if (codedHeight < 1 || codedHeight > MAX_DIMENSION) bad('pic_height_in_luma_samples', codedHeight);
  let width = codedWidth;
  let height = codedHeight;
  if (r.u(1, 'conformance_window_flag') === 1) {
    // Offsets count chroma samples (7.4.3.2.1, SubWidthC / SubHeightC).
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidth = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const subHeight = chromaArrayType === 1 ? 2 : 1;
    const left = r.ue('conf_win_left_offset');
    const right = r.ue('conf_win_right_offset');
    const top = r.ue('conf_win_top_offset');
    const bottom = r.ue('conf_win_bottom_offset');
    width -= subWidth * (left + right);
    height -= subHeight * (top + bottom);
    if (width <= 0 || height <= 0)
      throw new H265Error('H265_BAD_NALU', `SPS conformance window leaves ${width}x${height}`);
  }
  const bitDepthLuma = r.ue('bit_depth_luma_minus8') + 8;
  if (bitDepthLuma > 16) bad('bit_depth_luma', bitDepthLuma);
  const bitDepthChroma = r.ue('bit_depth_chroma_minus8') + 8;
  if (bitDepthChroma > 16) bad('bit_depth_chroma', bitDepthChroma);
  return {
    profileTierLevel,
    profileSpace,
    tier,
    profileIdc,
    levelIdc,
    maxSubLayers,
    temporalIdNesting,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    width,
    height,
  };
}
