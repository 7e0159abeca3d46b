import type { Codec, CodecName } from '../../core/codec.js';
import type { Media } from '../../core/media.js';
import { parseH264Fmtp } from '../h264/rtp-fmtp.js';
import type { SdpCodec, SdpMedia } from './sdp.js';

/** What the server can put into (or take out of) RTP for a browser: go2rtc's server codec list. */
const VIDEO_CODECS: ReadonlySet<string> = new Set(['H264', 'H265']);
const AUDIO_CODECS: ReadonlySet<string> = new Set(['OPUS', 'PCMU', 'PCMA']);

function toCodec(sdp: SdpCodec): Codec | undefined {
  const name = sdp.name === 'HEVC' ? 'H265' : sdp.name;
  if (!VIDEO_CODECS.has(name) && !AUDIO_CODECS.has(name)) return undefined;
  // Channels 0 = any: a browser takes mono or stereo Opus alike, and G.711 is mono by definition.
  const channels = 0;
  const codec: Codec = { name: name as CodecName, clockRate: sdp.clockRate, channels, payloadType: sdp.payloadType };
  return sdp.fmtp !== undefined ? { ...codec, fmtp: sdp.fmtp } : codec;
}

/**
 * How an offered H264 payload type suits FU-A packets: `1` says packetization-mode=1; an fmtp that does not
 * name a mode at all (werift's default H264 codec has no `a=fmtp` line) is taken as go2rtc takes it, pion
 * falling back to the MIME type when no fmtp matches: usable, after the explicit ones. An explicit 0 or 2 is not.
 */
export function h264ModeFit(fmtp: string | undefined): 'explicit' | 'unstated' | 'no' {
  if (fmtp === undefined || !/(^|;)\s*packetization-mode\s*=/i.test(fmtp)) return 'unstated';
  return parseH264Fmtp(fmtp).packetizationMode === 1 ? 'explicit' : 'no';
}

/** The codecs of an m-line that the server handles, de-duplicated by name and rate (H264 profiles are one). */
function mediaCodecs(media: SdpMedia): Codec[] {
  const out: Codec[] = [];
  for (const sdp of media.codecs) {
    const codec = toCodec(sdp);
    if (!codec) continue;
    if (codec.name === 'H264' && h264ModeFit(codec.fmtp) === 'no') continue;
    if (out.some((c) => c.name === codec.name && c.clockRate === codec.clockRate)) continue;
    out.push(codec);
  }
  return out;
}

/**
 * The consumer medias an offer asks for (go2rtc's rule): an m-line the peer receives (`recvonly`/`sendrecv`)
 * becomes a media the server sends; an audio m-line the peer sends (`sendonly`/`sendrecv`) becomes a
 * microphone media the server receives and routes to the source's backchannel. Rejected m-lines, data
 * channels and codecs the server cannot handle are skipped. Video comes before audio.
 */
export function offerToMedias(offer: readonly SdpMedia[]): Media[] {
  const medias: Media[] = [];
  for (const kind of ['video', 'audio'] as const) {
    for (const m of offer) {
      if (m.kind !== kind || m.direction === 'inactive') continue;
      const codecs = mediaCodecs(m);
      if (codecs.length === 0) continue;
      const id = String(m.index);
      if (m.direction === 'recvonly' || m.direction === 'sendrecv')
        medias.push({ kind, direction: 'sendonly', codecs, id });
      if (kind === 'audio' && (m.direction === 'sendonly' || m.direction === 'sendrecv')) {
        medias.push({ kind, direction: 'recvonly', codecs, id });
      }
    }
  }
  return medias;
}

/** `profile_idc` and `constraint flags` bytes of an H264 codec, from profile-level-id or the first SPS. */
function h264Profile(fmtp: string | undefined): { idc: number; constraints: number } | undefined {
  const parsed = parseH264Fmtp(fmtp);
  const sps = parsed.sps[0];
  if (sps && sps.length >= 4) return { idc: sps[1] ?? 0, constraints: sps[2] ?? 0 };
  if (parsed.profileLevelId) {
    const value = parseInt(parsed.profileLevelId, 16);
    return { idc: (value >> 16) & 0xff, constraints: (value >> 8) & 0xff };
  }
  return undefined;
}

/**
 * The payload type of `media` to send `source` with: the first one of the same codec, and for H264 the one
 * whose profile fits the source best (same profile and constraint flags, then same profile, then the first
 * packetization-mode=1 entry; entries without a stated mode only when none states 1). Undefined when the
 * m-line has no such codec.
 */
export function choosePayloadType(media: SdpMedia, source: Codec): number | undefined {
  const name = source.name;
  const same = media.codecs.filter(
    (c) =>
      (c.name === 'HEVC' ? 'H265' : c.name) === name && (source.clockRate === 0 || c.clockRate === source.clockRate),
  );
  if (name !== 'H264') return same[0]?.payloadType;
  const explicit = same.filter((c) => h264ModeFit(c.fmtp) === 'explicit');
  const usable = explicit.length > 0 ? explicit : same.filter((c) => h264ModeFit(c.fmtp) === 'unstated');
  const wanted = h264Profile(source.fmtp);
  if (!wanted) return usable[0]?.payloadType;
  let best: { pt: number; score: number } | undefined;
  for (const c of usable) {
    const have = h264Profile(c.fmtp);
    const score = !have ? 0 : have.idc === wanted.idc ? (have.constraints === wanted.constraints ? 2 : 1) : 0;
    if (!best || score > best.score) best = { pt: c.payloadType, score };
  }
  return best?.pt;
}
