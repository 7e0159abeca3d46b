export { hls, type HlsModule, type HlsModuleOptions } from './init.js';
export { HlsError, type HlsErrorCode } from './errors.js';
export {
  masterPlaylist,
  mediaPlaylist,
  mimeCodecs,
  type HlsFormat,
  type MediaPlaylist,
  type PlaylistSegment,
} from './playlist.js';
export { HlsSessionRegistry, newSessionId } from './registry.js';
export { Segmenter, type Segment, type SegmentUnit, type SegmenterOptions } from './segmenter.js';
export { HlsConsumer, HlsSession, type SegmentTiming } from './session.js';
export { TsSegmentWriter } from './ts-writer.js';
