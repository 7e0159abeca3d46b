import type { Codec } from '../../core/codec.js';
import { Ts2rtcError } from '../../core/errors.js';
import type { Direction, Media, MediaKind } from '../../core/media.js';
import { getAttribute, mediaDirection, mediaFmtp, mediaRtpmap } from './attributes.js';
import { codecToRtpFormat, rtpFormatToCodec, STATIC_PAYLOAD_TYPES, type RtpFormat } from './rtp-format.js';
import type { SdpAttribute, SdpMedia, SdpSession } from './types.js';

/** One usable media section of a source's SDP. */
export interface SdpTrack {
  /** kind, go2rtc direction, the codecs the server understands in SDP order; `id` is the raw control. */
  readonly media: Media;
  /** The section's raw `a=control` ('' when absent): resolve it with resolveControl(base, control). */
  readonly control: string;
  /** Payload type of the first codec. */
  readonly payloadType: number;
  /** The RTP format of each codec in `media.codecs`, same order: what the depacketizer is built from. */
  readonly formats: readonly RtpFormat[];
  /** `a=mid` when present. */
  readonly mid?: string;
}

function kindOf(type: string): MediaKind | undefined {
  const t = type.toLowerCase();
  return t === 'video' || t === 'audio' ? t : undefined;
}

/**
 * Some cameras put the H264 fmtp in another media section than its rtpmap; take the first fmtp of that
 * payload type anywhere in the session.
 */
function fmtpAnywhere(session: SdpSession, pt: number): string | undefined {
  for (const m of session.medias) {
    const fmtp = mediaFmtp(m, pt);
    if (fmtp !== undefined && fmtp !== '') return fmtp;
  }
  return undefined;
}

function formatsOf(session: SdpSession, m: SdpMedia, kind: MediaKind): Array<{ codec: Codec; format: RtpFormat }> {
  const out: Array<{ codec: Codec; format: RtpFormat }> = [];
  for (const token of m.formats) {
    if (!/^\d{1,3}$/.test(token)) continue;
    const pt = Number(token);
    if (pt > 127) continue;
    const map = mediaRtpmap(m, pt) ?? (pt < 96 ? { payloadType: pt, ...STATIC_PAYLOAD_TYPES[pt] } : undefined);
    if (map?.encodingName === undefined || map.clockRate === undefined) continue;
    const encodingName = map.encodingName.toUpperCase();
    let fmtp = mediaFmtp(m, pt);
    if ((fmtp === undefined || fmtp === '') && encodingName === 'H264') fmtp = fmtpAnywhere(session, pt);
    const format: RtpFormat = {
      payloadType: pt,
      encodingName,
      clockRate: map.clockRate,
      channels: map.channels ?? 0,
      ...(fmtp !== undefined && fmtp !== '' ? { fmtp } : {}),
    };
    let codec: Codec | undefined;
    try {
      codec = rtpFormatToCodec(format, kind);
    } catch (err) {
      // A config the server cannot read (a LATM StreamMuxConfig it does not handle): not offered.
      if (err instanceof Ts2rtcError) continue;
      throw err;
    }
    if (codec !== undefined) out.push({ codec, format });
  }
  return out;
}

/**
 * The source's medias in the core model, for an RTSP producer. Sections that are not video/audio, are
 * `inactive`, or have no codec the server knows are left out. Direction follows go2rtc's convention: a
 * camera's normal track is `recvonly` (we receive it); an audio section marked `a=sendonly` (ONVIF
 * backchannel, which ONVIF labels from the client's side) becomes `sendonly` (we send into it). A
 * `sendonly` video section, or a description whose sections are all `sendonly` (cameras that label from
 * their own side), is an ordinary track.
 */
export function sdpToMedias(session: SdpSession): SdpTrack[] {
  const sections = session.medias.filter((m) => kindOf(m.type) !== undefined);
  const allSendonly = sections.length > 0 && sections.every((m) => mediaDirection(m, session) === 'sendonly');
  const tracks: SdpTrack[] = [];
  for (const m of sections) {
    const kind = kindOf(m.type);
    const sdpDirection = mediaDirection(m, session);
    if (kind === undefined || sdpDirection === 'inactive') continue;
    const found = formatsOf(session, m, kind);
    const first = found[0];
    if (first === undefined) continue;
    const direction: Direction =
      sdpDirection === 'sendonly' && kind === 'audio' && !allSendonly ? 'sendonly' : 'recvonly';
    const control = getAttribute(m.attributes, 'control') ?? '';
    const mid = getAttribute(m.attributes, 'mid');
    tracks.push({
      media: { kind, direction, codecs: found.map((f) => f.codec), ...(control !== '' ? { id: control } : {}) },
      control,
      payloadType: first.format.payloadType,
      formats: found.map((f) => f.format),
      ...(mid !== undefined ? { mid } : {}),
    });
  }
  return tracks;
}

/** One track to describe: the codec we send (or, for a backchannel, receive) and its control. */
export interface SdpTrackInput {
  readonly kind: MediaKind;
  readonly codec: Codec;
  /** `a=control` value, e.g. `trackID=0`. */
  readonly control: string;
  /** Defaults to the codec's static payload type, else 96 + the track's index. */
  readonly payloadType?: number;
  /**
   * An SDP direction attribute to write. Defaults to none (what ffmpeg writes in an ANNOUNCE and what
   * RTSP players expect in a DESCRIBE answer).
   */
  readonly direction?: 'sendonly' | 'recvonly' | 'sendrecv';
}

export interface MediasToSdpOptions {
  /** `s=`. Defaults to `-`. */
  readonly sessionName?: string;
  /** Origin address. Defaults to 0.0.0.0. */
  readonly address?: string;
  /** `o=` session id and version. Defaults to 0. */
  readonly sessionId?: string;
  /** Extra session attributes (e.g. `tool`), written before the media sections. Defaults to none. */
  readonly attributes?: readonly SdpAttribute[];
}

/**
 * A session description for our RTSP server's DESCRIBE answer or our ANNOUNCE: one `m=` section per track
 * with its rtpmap, fmtp and control. Throws SDP_UNSUPPORTED_CODEC for codecs without an RTP format.
 */
export function mediasToSdp(tracks: readonly SdpTrackInput[], options: MediasToSdpOptions = {}): SdpSession {
  const medias: SdpMedia[] = tracks.map((track, i) => {
    const format = codecToRtpFormat(track.codec, track.payloadType ?? 96 + i);
    const payloadType = track.payloadType ?? format.payloadType;
    const rtpmap = `${payloadType} ${format.encodingName}/${format.clockRate}${format.channels > 1 ? `/${format.channels}` : ''}`;
    const attributes: SdpAttribute[] = [{ name: 'rtpmap', value: rtpmap }];
    if (format.fmtp !== undefined) attributes.push({ name: 'fmtp', value: `${payloadType} ${format.fmtp}` });
    attributes.push({ name: 'control', value: track.control });
    if (track.direction !== undefined) attributes.push({ name: track.direction });
    return {
      type: track.kind,
      port: 0,
      protocol: 'RTP/AVP',
      formats: [String(payloadType)],
      bandwidths: [],
      attributes,
      otherLines: [],
    };
  });
  const address = options.address ?? '0.0.0.0';
  const addrType = address.includes(':') ? 'IP6' : 'IP4';
  return {
    version: 0,
    origin: {
      username: '-',
      sessionId: options.sessionId ?? '0',
      sessionVersion: options.sessionId ?? '0',
      netType: 'IN',
      addrType,
      address,
    },
    name: options.sessionName ?? '-',
    emails: [],
    phones: [],
    connection: { netType: 'IN', addrType, address: addrType === 'IP6' ? '::' : '0.0.0.0' },
    bandwidths: [],
    timings: [{ start: '0', stop: '0' }],
    attributes: options.attributes ?? [],
    medias,
    otherLines: [],
  };
}
