export { MpegTsError, type MpegTsErrorCode } from './errors.js';
export { crc32Mpeg2 } from './crc32.js';
export {
  TsMuxer,
  StreamType,
  TS_PACKET_SIZE,
  TS_SYNC_BYTE,
  TS_TIMESTAMP_WRAP,
  PAT_PID,
  PMT_PID,
  FIRST_ES_PID,
  type TsCodec,
  type TsFrame,
  type TsMuxerOptions,
} from './muxer.js';
export {
  adtsConfig,
  adtsFrame,
  h264AccessUnit,
  h265AccessUnit,
  hvccParameterSets,
  type AdtsConfig,
} from './access-unit.js';
export { readTs, type TsPes, type TsReadOptions, type TsReadResult, type TsStreamInfo } from './demuxer.js';
