export { FlvError, type FlvErrorCode } from './errors.js';
export {
  decodeAmf0,
  encodeAmf0,
  encodeAmf0EcmaArray,
  AmfMarker,
  MAX_AMF_DEPTH,
  MAX_AMF_ENTRIES,
  type AmfValue,
  type AmfObject,
} from './amf0.js';
export {
  FlvTagType,
  FlvReader,
  buildFlvHeader,
  buildFlvTag,
  FLV_HEADER_SIZE,
  MAX_FLV_TAG_SIZE,
  type FlvTag,
} from './tag.js';
export { parseVideoTag, buildVideoTag, ExVideoPacketType, type FlvVideoTag, type FlvVideoCodec } from './video.js';
export {
  parseAudioTag,
  buildAacConfigTag,
  buildAacFrameTag,
  buildG711Tag,
  audioHeaderByte,
  SoundFormat,
  type FlvAudioTag,
} from './audio.js';
export { parseHevcRecord, type HevcRecord } from './hevc-config.js';
export { FlvDemuxer, splitNals, joinAvcc, type FlvSample, type FlvVideoTrack, type FlvAudioTrack } from './demuxer.js';
export { FlvMuxer, type FlvMuxerTrack } from './muxer.js';
