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
