import { type Codec, codecMatches } from '../../../core/codec.js';
import { Ts2rtcError } from '../../../core/errors.js';
import { createDepacketizer, createPacketizer } from '../formats.js';
import type { RtpFormat } from '../../sdp/rtp-format.js';
import type { SdpTrack } from '../../sdp/media.js';

/**
 * The tracks of a DESCRIBE answer a player asks for: `media` (a source's `#media=`) keeps only the kinds
 * it names (go2rtc tests `strings.Contains(media, kind)`), and without the backchannel the sendonly sections
 * a camera lists anyway are dropped, since nobody asked for them.
 */
export function selectTracks(
  tracks: readonly SdpTrack[],
  options: { media?: string; backchannel: boolean },
): SdpTrack[] {
  return tracks.filter((t) => {
    if (options.media !== undefined && !options.media.includes(t.media.kind)) return false;
    if (!options.backchannel && t.media.direction === 'sendonly') return false;
    return true;
  });
}

/** The RTP format of `codec` in a track (its payload type and fmtp); undefined when the track lacks it. */
export function formatOf(track: SdpTrack, codec: Codec): RtpFormat | undefined {
  if (codec.payloadType !== undefined) {
    const byPt = track.formats.findIndex((f) => f.payloadType === codec.payloadType);
    const c = track.media.codecs[byPt];
    if (byPt >= 0 && c !== undefined && codecMatches(codec, c)) return track.formats[byPt];
  }
  const at = track.media.codecs.findIndex((c) => codecMatches(codec, c));
  return at < 0 ? undefined : track.formats[at];
}

/**
 * Finds each old track's counterpart in a new DESCRIBE of the same camera (after a re-connect): same kind,
 * direction and control; else the same position among the tracks of that kind and direction. Returns, per
 * old index, the new track's index, or -1 when it is gone (or was already gone: undefined).
 */
export function matchTracks(previous: ReadonlyArray<SdpTrack | undefined>, next: readonly SdpTrack[]): number[] {
  const taken = new Set<number>();
  const sameClass = (a: SdpTrack, b: SdpTrack) =>
    a.media.kind === b.media.kind && a.media.direction === b.media.direction;
  const byControl = previous.map((old) => {
    if (old === undefined) return -1;
    const at = next.findIndex((t, i) => !taken.has(i) && sameClass(t, old) && t.control === old.control);
    if (at >= 0) taken.add(at);
    return at;
  });
  return byControl.map((at, i) => {
    const old = previous[i];
    if (at >= 0 || old === undefined) return at;
    const position = previous.filter((t, j) => j < i && t !== undefined && sameClass(t, old)).length;
    const pick = next.map((t, j) => ({ t, j })).filter(({ t }) => sameClass(t, old))[position];
    if (pick === undefined || taken.has(pick.j)) return -1;
    taken.add(pick.j);
    return pick.j;
  });
}

function usable(track: SdpTrack, index: number): boolean {
  const format = track.formats[index];
  const codec = track.media.codecs[index];
  if (format === undefined || codec === undefined) return false;
  try {
    if (track.media.direction === 'recvonly') createDepacketizer(format);
    else createPacketizer(codec, { payloadType: format.payloadType });
    return true;
  } catch (err) {
    // No depacketizer (VP8, MPA...) or packetizer for it, or a config it cannot read: not offered.
    if (err instanceof Ts2rtcError) return false;
    throw err;
  }
}

/**
 * The tracks with only the codecs we can receive (a depacketizer exists) or, for a backchannel, send (a
 * packetizer exists); tracks left with no codec are dropped. Offering the rest would let the hub match a
 * consumer to a track that can never deliver.
 */
export function playableTracks(tracks: readonly SdpTrack[]): SdpTrack[] {
  const out: SdpTrack[] = [];
  for (const track of tracks) {
    const keep = track.formats.map((_, i) => usable(track, i));
    if (keep.every(Boolean)) {
      out.push(track);
      continue;
    }
    const formats = track.formats.filter((_, i) => keep[i]);
    const first = formats[0];
    if (first === undefined) continue;
    out.push({
      ...track,
      media: { ...track.media, codecs: track.media.codecs.filter((_, i) => keep[i]) },
      payloadType: first.payloadType,
      formats,
    });
  }
  return out;
}
