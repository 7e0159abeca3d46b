import type { Codec, CodecName } from '../../core/codec.js';
import { parseCodecName } from '../../core/codec.js';
import type { MediaKind } from '../../core/media.js';
import { parseStreamMuxConfig } from '../aac/latm.js';
import { buildAacConfig } from '../aac/config.js';
import { buildMpeg4GenericFmtp, hexConfig, parseLatmFmtp } from '../aac/fmtp.js';
import { parseFmtp } from '../rtp/fmtp.js';
import { SdpError } from './errors.js';

/**
 * One RTP payload format of a media section, as the SDP states it: what a depacketizer needs, which can say
 * more than the core Codec (MP4A-LATM and mpeg4-generic are both Codec AAC).
 */
export interface RtpFormat {
  readonly payloadType: number;
  /** Upper case: `H264`, `MPEG4-GENERIC`, `MP4A-LATM`, `PCMU`, `OPUS`, `L16`, `JPEG`... */
  readonly encodingName: string;
  readonly clockRate: number;
  /** 0 when unstated (video). */
  readonly channels: number;
  /** The fmtp parameters, verbatim. */
  readonly fmtp?: string;
}

/** RFC 3551 Table 4/5 static payload types that cameras send without an rtpmap. */
export const STATIC_PAYLOAD_TYPES: Readonly<
  Record<number, { encodingName: string; clockRate: number; channels: number }>
> = {
  0: { encodingName: 'PCMU', clockRate: 8000, channels: 1 },
  8: { encodingName: 'PCMA', clockRate: 8000, channels: 1 },
  9: { encodingName: 'G722', clockRate: 8000, channels: 1 },
  10: { encodingName: 'L16', clockRate: 44100, channels: 2 },
  11: { encodingName: 'L16', clockRate: 44100, channels: 1 },
  14: { encodingName: 'MPA', clockRate: 90000, channels: 0 },
  26: { encodingName: 'JPEG', clockRate: 90000, channels: 0 },
};

function codecName(encodingName: string): CodecName | undefined {
  if (encodingName === 'L16') return 'PCM';
  const name = parseCodecName(encodingName);
  return name === 'ANY' ? undefined : name;
}

/**
 * The core Codec an RTP format carries, or undefined for formats the server cannot use (unknown names,
 * telephone-event, a LATM config that cannot be read). Opus is always 48000/2 (RFC 7587), whatever the
 * rtpmap says; AAC gets an mpeg4-generic style fmtp with `config=<AudioSpecificConfig>` whichever form it
 * came in, so every consumer reads one form.
 */
export function rtpFormatToCodec(format: RtpFormat, kind: MediaKind): Codec | undefined {
  const name = codecName(format.encodingName);
  if (name === undefined) return undefined;
  const video = kind === 'video';
  if (['H264', 'H265', 'VP8', 'VP9', 'AV1', 'JPEG', 'RAW'].includes(name) !== video) return undefined;
  const base = {
    name,
    clockRate: format.clockRate,
    channels: video ? 0 : format.channels || 1,
    payloadType: format.payloadType,
  };
  if (name === 'OPUS') return { ...base, clockRate: 48000, channels: 2, ...(format.fmtp ? { fmtp: format.fmtp } : {}) };
  if (format.encodingName === 'MP4A-LATM') {
    const latm = parseLatmFmtp(format.fmtp);
    if (latm.cpresent !== 0 || latm.config.length === 0) return undefined;
    const smc = parseStreamMuxConfig(latm.config);
    return { ...base, channels: format.channels || smc.config.channels || 1, fmtp: buildMpeg4GenericFmtp(smc.asc) };
  }
  return format.fmtp ? { ...base, fmtp: format.fmtp } : base;
}

/** Payload types RFC 3551 fixes for these codecs at their usual rate. */
function staticPayloadType(codec: Codec): number | undefined {
  const mono = codec.channels <= 1;
  if (codec.name === 'PCMU' && codec.clockRate === 8000 && mono) return 0;
  if (codec.name === 'PCMA' && codec.clockRate === 8000 && mono) return 8;
  if (codec.name === 'G722' && mono) return 9;
  if (codec.name === 'MPA') return 14;
  if (codec.name === 'JPEG') return 26;
  return undefined;
}

/**
 * The RTP format we send a Codec as (our RTSP server's DESCRIBE, our ANNOUNCE): static payload types where
 * RFC 3551 has one, else `dynamicPayloadType`; AAC as mpeg4-generic AAC-hbr (what AacPacketizer sends) with
 * the codec's AudioSpecificConfig. Throws SDP_UNSUPPORTED_CODEC for codecs with no RTP format here.
 */
export function codecToRtpFormat(codec: Codec, dynamicPayloadType: number): RtpFormat {
  const pt = staticPayloadType(codec) ?? dynamicPayloadType;
  const channels = codec.channels;
  switch (codec.name) {
    case 'H264':
    case 'H265':
    case 'VP8':
    case 'VP9':
    case 'AV1':
      return {
        payloadType: pt,
        encodingName: codec.name,
        clockRate: 90000,
        channels: 0,
        ...(codec.fmtp ? { fmtp: codec.fmtp } : {}),
      };
    case 'JPEG':
    case 'MPA':
      return { payloadType: pt, encodingName: codec.name, clockRate: 90000, channels: 0 };
    case 'PCMU':
    case 'PCMA':
    case 'G722':
      return { payloadType: pt, encodingName: codec.name, clockRate: codec.clockRate || 8000, channels: channels || 1 };
    case 'PCM':
      return { payloadType: pt, encodingName: 'L16', clockRate: codec.clockRate || 8000, channels: channels || 1 };
    case 'OPUS':
      return {
        payloadType: pt,
        encodingName: 'OPUS',
        clockRate: 48000,
        channels: 2,
        ...(codec.fmtp ? { fmtp: codec.fmtp } : {}),
      };
    case 'AAC': {
      let asc = hexConfig(parseFmtp(codec.fmtp).get('config'));
      if (asc.length === 0) asc = buildAacConfig(codec.clockRate || 44100, channels || 2);
      return {
        payloadType: pt,
        encodingName: 'MPEG4-GENERIC',
        clockRate: codec.clockRate,
        channels: channels || 2,
        fmtp: buildMpeg4GenericFmtp(asc),
      };
    }
    default:
      throw new SdpError('SDP_UNSUPPORTED_CODEC', `${codec.name} has no RTP payload format here`);
  }
}
