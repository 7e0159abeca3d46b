export { parseMp4, sampleData, DEFAULT_MAX_SAMPLES_PER_TRACK } from './demuxer.js';
export { Mp4Error, type Mp4ErrorCode } from './errors.js';
export type {
  Mp4Codec,
  Mp4Edit,
  Mp4IgnoredTrack,
  Mp4Movie,
  Mp4ParseOptions,
  Mp4Sample,
  Mp4Track,
  Mp4TrackKind,
} from './types.js';
export { BoxWriter } from './box-writer.js';
export { Mp4Muxer, type MuxedFragment, type MuxerFrame, type MuxerOptions } from './muxer.js';
export { buildInitSegment, trackId } from './muxer-init.js';
export {
  buildMdat,
  buildMoof,
  moofSize,
  retimeMoof,
  MAX_FRAGMENT_SAMPLES,
  MOOF_DECODE_TIME_OFFSET,
  MOOF_FIRST_DURATION_OFFSET,
  MOOF_SEQUENCE_OFFSET,
} from './muxer-fragment.js';
export { contentType, mimeCodec } from './muxer-mime.js';
export { TrackTimeline, type TimelineOptions, type TimelineSample } from './muxer-timeline.js';
export type {
  FragmentSample,
  InitOptions,
  MuxerAudioCodec,
  MuxerAudioTrack,
  MuxerTrack,
  MuxerVideoCodec,
  MuxerVideoTrack,
} from './muxer-types.js';
