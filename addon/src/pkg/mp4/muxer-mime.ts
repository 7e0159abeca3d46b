import type { MuxerTrack } from './muxer-types.js';

/**
 * RFC 6381 `codecs` values as go2rtc's player and MSE expect them. Audio values are fixed strings, as
 * go2rtc sends them: `mp4a.40.2` for any AAC (players only test the prefix), `opus`, `flac`.
 */
export function mimeCodec(track: MuxerTrack): string {
  if (track.kind === 'video') return track.mimeCodec;
  switch (track.codec) {
    case 'AAC':
      return 'mp4a.40.2';
    case 'OPUS':
      return 'opus';
    case 'FLAC':
      return 'flac';
  }
}

/** go2rtc's form: `video/mp4; codecs="avc1.640029,mp4a.40.2"` (comma, no space). */
export function contentType(tracks: readonly MuxerTrack[]): string {
  return `video/mp4; codecs="${tracks.map(mimeCodec).join(',')}"`;
}
