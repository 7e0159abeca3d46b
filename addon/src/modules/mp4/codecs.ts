import type { Codec, CodecName } from '../../core/codec.js';
import type { Media, MediaKind } from '../../core/media.js';
import { parseMediaQuery } from '../api/index.js';
import { MP4_AUDIO_CODECS, MP4_VIDEO_CODECS } from './tracks.js';

function codec(name: CodecName): Codec {
  return { name, clockRate: 0, channels: 0 };
}

function media(kind: MediaKind, names: readonly CodecName[]): Media {
  return { kind, direction: 'sendonly', codecs: names.map(codec) };
}

const PCM_FAMILY: readonly CodecName[] = ['PCMA', 'PCMU', 'PCM', 'PCML'];

/** go2rtc's defaults when a client names no codecs: H264 or H265 video, AAC audio. */
export function defaultMedias(withAudio = true): Media[] {
  return withAudio ? [media('video', ['H264', 'H265']), media('audio', ['AAC'])] : [media('video', ['H264', 'H265'])];
}

/**
 * The codec list a player sends with `mse` / `mp4` (what its MediaSource accepts, e.g.
 * `avc1.640029,avc1.64002A,mp4a.40.2,flac,opus`) to the medias it wants, in its order. Like go2rtc:
 * `flac` stands for the PCM family (sent as FLAC), and `mp4` snapshots ignore audio. Any `avc1.`/`hvc1.`/
 * `hev1.` profile counts (go2rtc only knows its own three strings; a superset changes nothing for them).
 * An empty list means go2rtc's defaults.
 */
export function parseMseCodecs(value: string, withAudio: boolean): Media[] {
  const video: CodecName[] = [];
  const audio: CodecName[] = [];
  const add = (list: CodecName[], names: readonly CodecName[]) => {
    for (const name of names) if (!list.includes(name)) list.push(name);
  };
  for (const raw of value.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token.startsWith('avc1.') || token.startsWith('avc3.')) add(video, ['H264']);
    else if (token.startsWith('hvc1.') || token.startsWith('hev1.')) add(video, ['H265']);
    else if (token === 'mp4a.40.2' || token === 'mp4a.40.5' || token === 'mp4a.40.29') add(audio, ['AAC']);
    else if (token === 'flac') add(audio, PCM_FAMILY);
    else if (token === 'opus') add(audio, ['OPUS']);
  }
  if (video.length === 0 && audio.length === 0) return defaultMedias(withAudio);
  const medias: Media[] = [];
  if (video.length > 0) medias.push(media('video', video));
  if (audio.length > 0 && withAudio) medias.push(media('audio', audio));
  return medias;
}

/**
 * stream.mp4's codec filters. `mp4` (go2rtc's pkg/mp4 ParseQuery): H264/H265 + AAC; `mp4=flac` adds the PCM
 * family; any other value also adds Opus (and MP3, which this server cannot write into MP4, so it is left
 * out). Without `mp4`, the generic `video=`/`audio=` filters, restricted to what MP4 can carry (`video`
 * alone means any of those); with neither, go2rtc's defaults.
 */
export function parseMp4Query(query: URLSearchParams): Media[] {
  if (query.has('mp4')) {
    const value = query.get('mp4') ?? '';
    const audio: CodecName[] = ['AAC'];
    if (value !== '') audio.push(...PCM_FAMILY);
    if (value !== '' && value !== 'flac') audio.push('OPUS');
    return [media('video', ['H264', 'H265']), media('audio', audio)];
  }
  const medias = parseMediaQuery(query)
    .filter((m) => m.direction === 'sendonly')
    .map((m) => restrict(m))
    .filter((m): m is Media => m !== undefined);
  return medias.length > 0 ? medias : defaultMedias();
}

/** Keeps the codecs MP4 can carry; `ANY` becomes all of them. Undefined when nothing is left. */
function restrict(m: Media): Media | undefined {
  const allowed = m.kind === 'video' ? MP4_VIDEO_CODECS : MP4_AUDIO_CODECS;
  const names: CodecName[] = [];
  for (const c of m.codecs) {
    for (const name of c.name === 'ANY' ? allowed : [c.name]) {
      if (allowed.includes(name) && !names.includes(name)) names.push(name);
    }
  }
  return names.length > 0 ? media(m.kind, names) : undefined;
}
