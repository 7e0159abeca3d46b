import { BitReader, removeEmulationPrevention } from './bits.js';
import { H264Error } from './errors.js';
import { NalUnitType, nalType } from './nalu.js';

/** What consumers need from a sequence parameter set (H.264 7.3.2.1.1). */
export interface Sps {
  readonly profileIdc: number;
  /** The byte after profile_idc: constraint_set0_flag is 0x80 ... constraint_set5_flag is 0x04. */
  readonly constraintFlags: number;
  readonly levelIdc: number;
  readonly id: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number;
  readonly bitDepthLuma: number;
  readonly bitDepthChroma: number;
  /** False for interlaced-capable streams, whose height counts two fields. */
  readonly frameMbsOnly: boolean;
  /** Displayed size, after frame cropping. */
  readonly width: number;
  readonly height: number;
}

// Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices (7.3.2.1.1).
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
/** 1024 macroblocks = 16384 pixels; the largest H.264 level (6.2) needs 8192x4320. */
const MAX_MBS = 1024;

function bad(field: string, value: number): never {
  throw new H264Error('H264_BAD_SPS', `SPS ${field} ${value} is out of range`);
}

/** Parses an SPS NAL unit (with its header byte, as in avcC or a byte stream). */
export function parseSps(nal: Buffer): Sps {
  const type = nalType(nal);
  if (type !== NalUnitType.SPS) throw new H264Error('H264_BAD_SPS', `NAL unit type ${type} is not an SPS`);
  const r = new BitReader(removeEmulationPrevention(nal.subarray(1)), 'SPS');
  const profileIdc = r.u(8, 'profile_idc');
  const constraintFlags = r.u(8, 'constraint_set flags');
  const levelIdc = r.u(8, 'level_idc');
  const id = r.ue('seq_parameter_set_id');
  if (id > 31) bad('seq_parameter_set_id', id);

  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue('chroma_format_idc');
    if (chromaFormatIdc > 3) bad('chroma_format_idc', chromaFormatIdc);
    if (chromaFormatIdc === 3) separateColourPlane = r.u1('separate_colour_plane_flag') === 1;
    bitDepthLuma = r.ue('bit_depth_luma_minus8') + 8;
    if (bitDepthLuma > 14) bad('bit_depth_luma', bitDepthLuma);
    bitDepthChroma = r.ue('bit_depth_chroma_minus8') + 8;
    if (bitDepthChroma > 14) bad('bit_depth_chroma', bitDepthChroma);
    r.u1('qpprime_y_zero_transform_bypass_flag');
    if (r.u1('seq_scaling_matrix_present_flag') === 1) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) {
        if (r.u1('seq_scaling_list_present_flag') === 1) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }

  const log2MaxFrameNum = r.ue('log2_max_frame_num_minus4');
  if (log2MaxFrameNum > 12) bad('log2_max_frame_num_minus4', log2MaxFrameNum);
  const pocType = r.ue('pic_order_cnt_type');
  if (pocType === 0) {
    const lsb = r.ue('log2_max_pic_order_cnt_lsb_minus4');
    if (lsb > 12) bad('log2_max_pic_order_cnt_lsb_minus4', lsb);
  } else if (pocType === 1) {
    r.u1('delta_pic_order_always_zero_flag');
    r.se('offset_for_non_ref_pic');
    r.se('offset_for_top_to_bottom_field');
    const cycle = r.ue('num_ref_frames_in_pic_order_cnt_cycle');
    if (cycle > 255) bad('num_ref_frames_in_pic_order_cnt_cycle', cycle);
    for (let i = 0; i < cycle; i++) r.se('offset_for_ref_frame');
  } else if (pocType !== 2) {
    bad('pic_order_cnt_type', pocType);
  }
  r.ue('max_num_ref_frames');
  r.u1('gaps_in_frame_num_value_allowed_flag');
  const widthMbs = r.ue('pic_width_in_mbs_minus1') + 1;
  const heightMapUnits = r.ue('pic_height_in_map_units_minus1') + 1;
  if (widthMbs > MAX_MBS) bad('pic_width_in_mbs', widthMbs);
  if (heightMapUnits > MAX_MBS) bad('pic_height_in_map_units', heightMapUnits);
  const frameMbsOnly = r.u1('frame_mbs_only_flag') === 1;
  if (!frameMbsOnly) r.u1('mb_adaptive_frame_field_flag');
  r.u1('direct_8x8_inference_flag');

  let width = widthMbs * 16;
  let height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16;
  if (r.u1('frame_cropping_flag') === 1) {
    const left = r.ue('frame_crop_left_offset');
    const right = r.ue('frame_crop_right_offset');
    const top = r.ue('frame_crop_top_offset');
    const bottom = r.ue('frame_crop_bottom_offset');
    // Crop offsets count chroma samples (and field rows), not pixels (7.4.2.1.1, CropUnitX/Y).
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaArrayType === 3 ? 1 : 2;
    const subHeightC = chromaArrayType === 1 ? 2 : 1;
    const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
    const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
    width -= cropUnitX * (left + right);
    height -= cropUnitY * (top + bottom);
    if (width <= 0 || height <= 0) {
      throw new H264Error('H264_BAD_SPS', `SPS cropping leaves ${width}x${height} pixels`);
    }
  }
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    id,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    frameMbsOnly,
    width,
    height,
  };
}

/** scaling_list() (7.3.2.1.1.1): only its length matters here. */
function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = r.se('delta_scale');
      if (delta < -128 || delta > 127) bad('delta_scale', delta);
      next = (last + delta + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

const CONSTRAINT_SET1 = 0x40;
const CONSTRAINT_SET3 = 0x10;

/**
 * FFmpeg's name for a profile (what ffprobe prints and go2rtc's API shows), from
 * profile_idc and the constraint flags byte. Undefined for profiles FFmpeg has no name for.
 * Like FFmpeg, constraint_set1 marks Constrained Baseline and constraint_set3 the Intra
 * variants of the High 10/4:2:2/4:4:4 profiles.
 */
export function profileString(profileIdc: number, constraint: number): string | undefined {
  const intra = (constraint & CONSTRAINT_SET3) !== 0;
  switch (profileIdc) {
    case 66:
      return constraint & CONSTRAINT_SET1 ? 'Constrained Baseline' : 'Baseline';
    case 77:
      return 'Main';
    case 88:
      return 'Extended';
    case 100:
      return 'High';
    case 110:
      return intra ? 'High 10 Intra' : 'High 10';
    case 122:
      return intra ? 'High 4:2:2 Intra' : 'High 4:2:2';
    case 144:
      return 'High 4:4:4';
    case 244:
      return intra ? 'High 4:4:4 Intra' : 'High 4:4:4 Predictive';
    case 44:
      return 'CAVLC 4:4:4';
    default:
      return undefined;
  }
}

/** The three bytes after the SPS header: what RFC 6381 and RFC 6184's profile-level-id carry. */
export interface ProfileLevel {
  readonly profileIdc: number;
  readonly constraintFlags: number;
  readonly levelIdc: number;
}

/**
 * RFC 6381 codecs parameter, `avc1.PPCCLL` in lowercase hex (as ffmpeg and hls.js write it),
 * from an SPS NAL unit or its parsed fields.
 */
export function codecString(sps: Buffer | ProfileLevel): string {
  let bytes: readonly number[];
  if (Buffer.isBuffer(sps)) {
    const type = nalType(sps);
    if (type !== NalUnitType.SPS) throw new H264Error('H264_BAD_SPS', `NAL unit type ${type} is not an SPS`);
    if (sps.length < 4) throw new H264Error('H264_TRUNCATED', `SPS of ${sps.length} bytes has no profile and level`);
    bytes = [sps[1] ?? 0, sps[2] ?? 0, sps[3] ?? 0];
  } else {
    bytes = [sps.profileIdc, sps.constraintFlags, sps.levelIdc];
  }
  return `avc1.${bytes.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join('')}`;
}
