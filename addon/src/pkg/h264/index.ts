export { H264Error, type H264ErrorCode } from './errors.js';
export {
  NalUnitType,
  MAX_NALUS_PER_FRAME,
  nalType,
  splitAvcc,
  splitAnnexB,
  joinAvcc,
  isKeyframe,
  avccToAnnexB,
  annexBToAvcc,
} from './nalu.js';
export { parseAvcConfig, buildAvcConfig, type AvcConfig, type AvcConfigInput } from './config.js';
export { parseSps, profileString, codecString, type Sps, type ProfileLevel } from './sps.js';
export { BitReader, removeEmulationPrevention } from './bits.js';
export { parseH264Fmtp, buildH264Fmtp, type H264Fmtp } from './rtp-fmtp.js';
export { H264Depacketizer, h264PayloadKind, type H264DepacketizerOptions } from './rtp-depacketizer.js';
export { H264Packetizer, type H264PacketizerOptions } from './rtp-packetizer.js';
