export { AacError, type AacErrorCode } from './errors.js';
export { AAC_SAMPLE_RATES, parseAacConfig, buildAacConfig, type AacConfig } from './config.js';
export {
  parseAudioSpecificConfig,
  readAudioSpecificConfig,
  readEmbeddedAudioSpecificConfig,
  audioSpecificConfigBits,
  type AudioSpecificConfig,
} from './asc.js';
export { AacBitReader, AacBitWriter } from './bits.js';
export { parseStreamMuxConfig, buildStreamMuxConfig, type StreamMuxConfig } from './latm.js';
export {
  parseMpeg4GenericFmtp,
  buildMpeg4GenericFmtp,
  parseLatmFmtp,
  buildLatmFmtp,
  hexConfig,
  type Mpeg4GenericFmtp,
  type LatmFmtp,
} from './fmtp.js';
export { AacDepacketizer, LatmDepacketizer, type AacDepacketizerOptions } from './rtp-depacketizer.js';
export { AacPacketizer, LatmPacketizer, type AacPacketizerOptions } from './rtp-packetizer.js';
