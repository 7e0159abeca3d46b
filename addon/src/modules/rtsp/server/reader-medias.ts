import type { Codec } from '../../../core/codec.js';
import type { Media } from '../../../core/media.js';
import { parseMediaQuery } from '../../streams/media-query.js';

/** What the RTSP server can packetize, for `?video`/`?audio` without codecs (go2rtc's "copy"). */
const anyRate = (name: Codec['name']): Codec => ({ name, clockRate: 0, channels: 0 });
const SENDABLE_VIDEO: readonly Codec[] = (['H264', 'H265', 'JPEG'] as const).map(anyRate);
const SENDABLE_AUDIO: readonly Codec[] = (['AAC', 'OPUS', 'PCMU', 'PCMA', 'PCM', 'G722'] as const).map(anyRate);

/** `?video&audio=all`: each key a media; codec-less keys mean anything the server can packetize. */
export function readerMedias(query: URLSearchParams): Media[] {
  // go2rtc: `?mp4` means what an MP4 can hold, for recorders that write the RTSP stream to files.
  if (query.has('mp4')) {
    return [
      { kind: 'video', direction: 'sendonly', codecs: (['H264', 'H265'] as const).map(anyRate) },
      { kind: 'audio', direction: 'sendonly', codecs: [anyRate('AAC')] },
    ];
  }
  const medias: Media[] = [];
  for (const media of parseMediaQuery(query)) {
    if (media.direction !== 'sendonly') continue;
    const codecs = media.codecs.some((c) => c.name === 'ANY')
      ? media.kind === 'video'
        ? SENDABLE_VIDEO
        : SENDABLE_AUDIO
      : media.codecs;
    medias.push({ ...media, codecs });
  }
  // `audio=all` asks for every audio track of the stream, not just the first: a wanted media takes one
  // source track, so ask for a few more (those that find nothing are simply left out).
  for (const kind of ['video', 'audio'] as const) {
    if (!query.getAll(kind).includes('all')) continue;
    for (let i = 0; i < 3; i++)
      medias.push({ kind, direction: 'sendonly', codecs: kind === 'video' ? SENDABLE_VIDEO : SENDABLE_AUDIO });
  }
  return medias;
}

/** The ONVIF backchannel a reader asked for: audio it sends, in whatever codec the camera takes. */
export function backchannelMedia(): Media {
  return { kind: 'audio', direction: 'recvonly', codecs: [{ name: 'ANY', clockRate: 0, channels: 0 }] };
}
