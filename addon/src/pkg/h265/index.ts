export { H265Error, type H265ErrorCode } from './errors.js';
export {
  H265NalUnitType,
  MAX_H265_NALUS_PER_FRAME,
  h265NalType,
  isIrapType,
  isVclType,
  splitH265Frame,
  isH265Keyframe,
} from './nalu.js';
export { parseH265Fmtp, buildH265Fmtp, type H265Fmtp } from './rtp-fmtp.js';
export { H265Depacketizer, h265PayloadKind, type H265DepacketizerOptions } from './rtp-depacketizer.js';
export { H265Packetizer, type H265PacketizerOptions } from './rtp-packetizer.js';
export { parseH265Sps, type H265Sps } from './sps.js';
export { buildHvcConfig, h265CodecString, type HvcConfigInput } from './config.js';
