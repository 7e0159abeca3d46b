import type { Codec, CodecName } from '../../core/codec.js';
import { parseCodecName } from '../../core/codec.js';
import type { Media, MediaKind } from '../../core/media.js';

/**
 * go2rtc's `core.ParseQuery` plus the probe's `microphone`: `video=h264,h265` asks for one video media with
 * those codecs, `video` or `video=copy` for any video codec, `audio=...` likewise; each repeated key adds a
 * media; `microphone=...` adds a media the client would send. Unknown codec names are left out, so they
 * simply match nothing.
 */
export function parseMediaQuery(query: URLSearchParams): Media[] {
  const medias: Media[] = [];
  for (const [key, value] of query) {
    if (key === 'video' || key === 'audio') medias.push(queryMedia(key, 'sendonly', value));
  }
  for (const value of query.getAll('microphone')) medias.push(queryMedia('audio', 'recvonly', value));
  return medias;
}

function queryMedia(kind: MediaKind, direction: Media['direction'], value: string): Media {
  const codecs: Codec[] = [];
  for (const token of value.split(',')) {
    const name = queryCodecName(token);
    if (name) codecs.push({ name, clockRate: 0, channels: 0 });
  }
  return { kind, direction, codecs };
}

function queryCodecName(token: string): CodecName | undefined {
  const upper = token.trim().toUpperCase();
  // `all` is what go2rtc's own UI sends for its probe link; it means the same as copy.
  if (upper === '' || upper === 'COPY' || upper === 'ALL' || upper === 'ANY') return 'ANY';
  if (upper === 'MJPEG') return 'JPEG';
  if (upper === 'MP3') return 'MPA';
  return parseCodecName(upper);
}
