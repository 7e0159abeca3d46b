import { type Codec, codecMatches, codecToString } from './codec.js';

export type MediaKind = 'video' | 'audio';

/**
 * Direction as go2rtc states it, always from the server's point of view:
 * - on a producer, `recvonly` = the server receives this media from the source (the usual camera track),
 *   `sendonly` = the server sends into the source (ONVIF backchannel, HomeKit talk-back);
 * - on a consumer, `sendonly` = the server sends this media to the client (what a viewer wants),
 *   `recvonly` = the server receives it from the client (a browser microphone).
 * A consumer media therefore pairs with a producer media of the opposite direction.
 */
export type Direction = 'recvonly' | 'sendonly';

export interface Media {
  readonly kind: MediaKind;
  readonly direction: Direction;
  /** In preference order. */
  readonly codecs: readonly Codec[];
  /** Protocol-level identity (SDP `a=control` or `mid`), opaque to the hub. */
  readonly id?: string;
}

/** go2rtc's `medias` strings in `/api/streams`: `video, recvonly, H264` or `audio, sendonly, PCMA/8000, PCMU/8000`. */
export function mediaToString(media: Media): string {
  return [media.kind, media.direction, ...media.codecs.map(codecToString)].join(', ');
}

/**
 * The consumer's most preferred codec that the producer media offers. Returns both sides: the producer's
 * exact codec (with its fmtp) is what flows, the consumer's entry is what it asked for.
 */
export function matchCodec(wanted: Media, offered: Media): { wanted: Codec; offered: Codec } | undefined {
  if (wanted.kind !== offered.kind || wanted.direction === offered.direction) return undefined;
  for (const w of wanted.codecs) {
    for (const o of offered.codecs) {
      if (codecMatches(w, o)) return { wanted: w, offered: o };
    }
  }
  return undefined;
}
