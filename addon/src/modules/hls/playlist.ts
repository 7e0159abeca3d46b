/** One entry of a media playlist. */
export interface PlaylistSegment {
  readonly sequence: number;
  /** Seconds. */
  readonly duration: number;
}

export type HlsFormat = 'fmp4' | 'mpegts';

export interface MediaPlaylist {
  readonly format: HlsFormat;
  readonly sessionId: string;
  readonly targetDuration: number;
  readonly segments: readonly PlaylistSegment[];
  /** The sequence of the first segment when `segments` is empty (the next one to come). */
  readonly nextSequence: number;
}

/**
 * The master playlist go2rtc answers at `stream.m3u8` and in the `hls` WebSocket message: one variant whose URI
 * is relative (`hls/playlist.m3u8?id=…`), so it resolves against `…/api/stream.m3u8` or `…/api/ws` to
 * `…/api/hls/playlist.m3u8` under any base_path. BANDWIDTH is required by Safari; CODECS lets it start sooner.
 * FLAC is spelled `fLaC` there (RFC 6381 / Apple's HLS spec), as go2rtc does.
 */
export function masterPlaylist(codecs: readonly string[], sessionId: string): string {
  const list = codecs.map((c) => (c === 'flac' ? 'fLaC' : c)).join(',');
  return `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=192000,CODECS="${list}"\nhls/playlist.m3u8?id=${sessionId}\n`;
}

/**
 * A live media playlist (RFC 8216): no ENDLIST, the window of recent segments with their real durations.
 * Version 6 for fMP4 (EXT-X-MAP), 3 for MPEG-TS (decimal EXTINF), as go2rtc writes them.
 */
export function mediaPlaylist(p: MediaPlaylist): string {
  const fmp4 = p.format === 'fmp4';
  const first = p.segments[0]?.sequence ?? p.nextSequence;
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${fmp4 ? 6 : 3}`,
    `#EXT-X-TARGETDURATION:${p.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
  ];
  if (fmp4) lines.push(`#EXT-X-MAP:URI="init.mp4?id=${p.sessionId}"`);
  for (const s of p.segments) {
    lines.push(`#EXTINF:${s.duration.toFixed(3)},`, `segment.${fmp4 ? 'm4s' : 'ts'}?id=${p.sessionId}&n=${s.sequence}`);
  }
  return lines.join('\n') + '\n';
}

/** The codecs of a `video/mp4; codecs="a,b"` MIME type. */
export function mimeCodecs(mime: string): string[] {
  const match = /codecs="([^"]*)"/.exec(mime);
  return match?.[1]
    ? match[1]
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '')
    : [];
}
