import type { Codec, CodecName } from '../../core/codec.js';
import type { Packet } from '../../core/packet.js';
import { buildAacConfig, parseAacConfig } from '../../pkg/aac/config.js';
import { FlacEncoder, MAX_BLOCK_SIZE } from '../../pkg/flac/index.js';
import { buildAvcConfig, codecString, nalType, parseSps, splitAvcc } from '../../pkg/h264/index.js';
import { buildHvcConfig, h265CodecString } from '../../pkg/h265/config.js';
import { h265NalType, splitH265Frame } from '../../pkg/h265/nalu.js';
import { parseH265Sps } from '../../pkg/h265/sps.js';
import type { MuxerTrack } from '../../pkg/mp4/index.js';
import { decodeAlaw, decodeL16, decodeUlaw } from '../../pkg/pcm/index.js';
import { fmtpBase64List, parseFmtp } from '../../pkg/rtp/fmtp.js';
import { Mp4ModuleError } from './errors.js';

/** Source codecs the MP4 module can write: video as is, G.711 and PCM converted to FLAC. */
export const MP4_VIDEO_CODECS: readonly CodecName[] = ['H264', 'H265'];
export const MP4_AUDIO_CODECS: readonly CodecName[] = ['AAC', 'OPUS', 'PCMA', 'PCMU', 'PCM', 'PCML'];

/** One sample for the muxer, in the track's timescale. */
export interface ConvertedSample {
  readonly data: Uint8Array;
  readonly timestamp: number;
  /** The codec's own duration when it states one (audio). */
  readonly duration?: number;
}

/**
 * Turns one source track's packets into MP4 samples. Video tracks learn their decoder configuration from the
 * first key frame (parameter sets are in-band on key frames), falling back to the SDP's fmtp.
 */
export interface TrackConverter {
  readonly kind: 'video' | 'audio';
  readonly source: Codec;
  /** The muxer track, or undefined while a video track still waits for its first key frame. */
  describe(packet: Packet | undefined): MuxerTrack | undefined;
  convert(packet: Packet): ConvertedSample[];
}

export function createConverter(codec: Codec): TrackConverter {
  switch (codec.name) {
    case 'H264':
      return new H264Converter(codec);
    case 'H265':
      return new H265Converter(codec);
    case 'AAC':
      return new AacConverter(codec);
    case 'OPUS':
      return new OpusConverter(codec);
    case 'PCMA':
    case 'PCMU':
    case 'PCM':
    case 'PCML':
      return new FlacConverter(codec);
    default:
      throw new Mp4ModuleError('MP4_CODEC_UNSUPPORTED', `mp4: unsupported codec: ${codec.name}`);
  }
}

class H264Converter implements TrackConverter {
  readonly kind = 'video';
  constructor(readonly source: Codec) {}

  describe(packet: Packet | undefined): MuxerTrack | undefined {
    if (!packet?.keyframe) return undefined;
    const nalus = splitAvcc(packet.payload);
    let sps = nalus.filter((n) => nalType(n) === 7);
    let pps = nalus.filter((n) => nalType(n) === 8);
    if (sps.length === 0 || pps.length === 0) {
      const sets = fmtpBase64List(parseFmtp(this.source.fmtp).get('sprop-parameter-sets'));
      sps = sets.filter((n) => nalType(n) === 7);
      pps = sets.filter((n) => nalType(n) === 8);
    }
    const first = sps[0];
    if (!first || pps.length === 0)
      throw new Mp4ModuleError('MP4_NO_PARAMETER_SETS', 'mp4: H264 key frame without SPS/PPS');
    const info = parseSps(first);
    return {
      kind: 'video',
      codec: 'H264',
      timescale: this.source.clockRate || 90000,
      width: info.width,
      height: info.height,
      config: buildAvcConfig({ sps, pps }),
      mimeCodec: codecString(first),
    };
  }

  convert(packet: Packet): ConvertedSample[] {
    return [{ data: packet.payload, timestamp: packet.timestamp }];
  }
}

class H265Converter implements TrackConverter {
  readonly kind = 'video';
  constructor(readonly source: Codec) {}

  describe(packet: Packet | undefined): MuxerTrack | undefined {
    if (!packet?.keyframe) return undefined;
    const nalus = splitH265Frame(packet.payload);
    let sets = {
      vps: nalus.filter((n) => h265NalType(n) === 32),
      sps: nalus.filter((n) => h265NalType(n) === 33),
      pps: nalus.filter((n) => h265NalType(n) === 34),
    };
    if (sets.vps.length === 0 || sets.sps.length === 0 || sets.pps.length === 0) {
      const fmtp = parseFmtp(this.source.fmtp);
      sets = {
        vps: fmtpBase64List(fmtp.get('sprop-vps')),
        sps: fmtpBase64List(fmtp.get('sprop-sps')),
        pps: fmtpBase64List(fmtp.get('sprop-pps')),
      };
    }
    const first = sets.sps[0];
    if (!first || sets.vps.length === 0 || sets.pps.length === 0) {
      throw new Mp4ModuleError('MP4_NO_PARAMETER_SETS', 'mp4: H265 key frame without VPS/SPS/PPS');
    }
    const info = parseH265Sps(first);
    return {
      kind: 'video',
      codec: 'H265',
      timescale: this.source.clockRate || 90000,
      width: info.width,
      height: info.height,
      config: buildHvcConfig(sets),
      mimeCodec: h265CodecString(info),
    };
  }

  convert(packet: Packet): ConvertedSample[] {
    return [{ data: packet.payload, timestamp: packet.timestamp }];
  }
}

class AacConverter implements TrackConverter {
  readonly kind = 'audio';
  private readonly asc: Buffer;
  private readonly frameTicks: number | undefined;

  constructor(readonly source: Codec) {
    const hex = parseFmtp(source.fmtp).get('config') ?? '';
    const given = /^([0-9a-fA-F]{2})+$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
    const parsed = given ? parseAacConfig(given) : undefined;
    this.asc = given && parsed ? given : buildAacConfig(source.clockRate || 44100, source.channels || 1);
    // AAC LC frames are 1024 samples; when the clock is the core rate that is their duration. HE-AAC and
    // clocks at another rate are timed by their timestamps instead.
    const info = parseAacConfig(this.asc);
    this.frameTicks = info && info.objectType === 2 && info.sampleRate === source.clockRate ? 1024 : undefined;
  }

  describe(): MuxerTrack {
    const info = parseAacConfig(this.asc);
    const rate = this.source.clockRate || info?.sampleRate || 44100;
    return {
      kind: 'audio',
      codec: 'AAC',
      timescale: rate,
      sampleRate: rate,
      channels: this.source.channels || info?.channels || 1,
      config: this.asc,
    };
  }

  convert(packet: Packet): ConvertedSample[] {
    return [
      { data: packet.payload, timestamp: packet.timestamp, ...(this.frameTicks ? { duration: this.frameTicks } : {}) },
    ];
  }
}

class OpusConverter implements TrackConverter {
  readonly kind = 'audio';
  constructor(readonly source: Codec) {}

  describe(): MuxerTrack {
    // RTP always says 48000/2; stereo output also plays mono packets.
    return {
      kind: 'audio',
      codec: 'OPUS',
      timescale: 48000,
      sampleRate: 48000,
      channels: Math.min(this.source.channels || 2, 2),
    };
  }

  convert(packet: Packet): ConvertedSample[] {
    const duration = opusPacketSamples(packet.payload);
    const timestamp =
      this.source.clockRate && this.source.clockRate !== 48000
        ? Math.round((packet.timestamp * 48000) / this.source.clockRate)
        : packet.timestamp;
    return [{ data: packet.payload, timestamp, ...(duration ? { duration } : {}) }];
  }
}

/** Samples at 48 kHz in an Opus packet, from its TOC byte (RFC 6716 3.1); undefined for a malformed one. */
export function opusPacketSamples(packet: Uint8Array): number | undefined {
  const toc = packet[0];
  if (toc === undefined) return undefined;
  const config = toc >> 3;
  // Frame sizes in 1/400 s (2.5 ms) units: SILK 10/20/40/60 ms, Hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
  const units = config < 12 ? [4, 8, 16, 24][config & 3] : config < 16 ? [4, 8][config & 1] : [1, 2, 4, 8][config & 3];
  if (units === undefined) return undefined;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) frames = 2;
  else {
    const count = packet[1];
    if (count === undefined) return undefined;
    frames = count & 0x3f;
  }
  const samples = frames * units * 120;
  // A packet holds at most 120 ms of audio.
  return samples > 0 && samples <= 5760 ? samples : undefined;
}

/**
 * G.711 and 16-bit PCM as FLAC, verbatim: the only lossless way browsers play them from MP4. The encoder
 * keeps the FLAC frame numbering, so one converter serves one session.
 */
class FlacConverter implements TrackConverter {
  readonly kind = 'audio';
  private readonly encoder: FlacEncoder;
  private readonly channels: number;

  constructor(readonly source: Codec) {
    const rate = source.clockRate || 8000;
    this.channels = source.channels === 2 ? 2 : 1;
    if (source.channels > 2)
      throw new Mp4ModuleError('MP4_CODEC_UNSUPPORTED', `mp4: ${source.name} with ${source.channels} channels`);
    this.encoder = new FlacEncoder({ sampleRate: rate, channels: this.channels });
  }

  describe(): MuxerTrack {
    const rate = this.encoder.sampleRate;
    return {
      kind: 'audio',
      codec: 'FLAC',
      timescale: rate,
      sampleRate: rate,
      channels: this.channels,
      config: this.encoder.streamInfo(),
    };
  }

  convert(packet: Packet): ConvertedSample[] {
    const pcm = this.decode(packet.payload);
    const perChannel = Math.floor(pcm.length / this.channels);
    const out: ConvertedSample[] = [];
    for (let start = 0; start < perChannel; start += MAX_BLOCK_SIZE) {
      const count = Math.min(MAX_BLOCK_SIZE, perChannel - start);
      const block = pcm.subarray(start * this.channels, (start + count) * this.channels);
      out.push({ data: this.encoder.encode(block), timestamp: packet.timestamp + start, duration: count });
    }
    return out;
  }

  private decode(payload: Buffer): Int16Array {
    switch (this.source.name) {
      case 'PCMU':
        return decodeUlaw(payload);
      case 'PCMA':
        return decodeAlaw(payload);
      case 'PCML': {
        const out = new Int16Array(payload.length >> 1);
        for (let i = 0; i < out.length; i++) out[i] = payload.readInt16LE(2 * i);
        return out;
      }
      default:
        return decodeL16(payload);
    }
  }
}
