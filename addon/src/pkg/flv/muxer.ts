import { parseMpeg4GenericFmtp } from '../aac/fmtp.js';
import { buildAvcConfig } from '../h264/config.js';
import { parseH264Fmtp } from '../h264/rtp-fmtp.js';
import { buildHvcConfig } from '../h265/config.js';
import { parseH265Fmtp } from '../h265/rtp-fmtp.js';
import { encodeAmf0, encodeAmf0EcmaArray, type AmfObject } from './amf0.js';
import { buildAacConfigTag, buildAacFrameTag, buildG711Tag } from './audio.js';
import { splitNals } from './demuxer.js';
import { FlvTagType, type FlvTag } from './tag.js';
import { buildVideoTag, type FlvVideoCodec } from './video.js';

export interface FlvMuxerTrack {
  readonly codec: FlvVideoCodec | 'AAC' | 'PCMA' | 'PCMU';
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp?: string | undefined;
}

/**
 * Hub frames → FLV tags (bodies are RTMP message payloads too): `onMetaData`, then the sequence headers, then
 * frames. Video waits for a key frame; the avcC/hvcC comes from the key frame's in-band parameter sets (or
 * the codec's fmtp) and is sent again when they change. Pure: the caller gives timestamps in ms.
 */
export class FlvMuxer {
  private videoConfig: Buffer | undefined;
  private audioConfigSent = false;

  constructor(
    readonly video: FlvMuxerTrack | undefined,
    readonly audio: FlvMuxerTrack | undefined,
  ) {}

  /** `onMetaData` as players expect it first: codec ids tell them which tracks to wait for. */
  metadataTag(): FlvTag {
    const meta: AmfObject = {};
    if (this.video) meta['videocodecid'] = this.video.codec === 'H264' ? 7 : 12;
    if (this.audio) {
      meta['audiocodecid'] = this.audio.codec === 'AAC' ? 10 : this.audio.codec === 'PCMA' ? 7 : 8;
      meta['audiosamplerate'] = this.audio.clockRate;
      meta['stereo'] = this.audio.channels >= 2;
    }
    meta['encoder'] = 'ts2rtc';
    return {
      type: FlvTagType.Script,
      timestamp: 0,
      data: Buffer.concat([encodeAmf0('onMetaData'), encodeAmf0EcmaArray(meta)]),
    };
  }

  /** Tags for one video frame (AVCC, 4-byte lengths): none before the first key frame. */
  videoTags(payload: Buffer, keyframe: boolean, ms: number): FlvTag[] {
    const video = this.video;
    if (video === undefined || (video.codec !== 'H264' && video.codec !== 'H265')) return [];
    const tags: FlvTag[] = [];
    if (keyframe) {
      let nals: Buffer[];
      try {
        nals = splitNals(payload, 4);
      } catch {
        return [];
      }
      const config = buildConfig(video.codec, nals, video.fmtp);
      if (config !== undefined && (this.videoConfig === undefined || !config.equals(this.videoConfig))) {
        this.videoConfig = config;
        tags.push({
          type: FlvTagType.Video,
          timestamp: ms,
          data: buildVideoTag(video.codec, { config: true, payload: config }),
        });
      }
    }
    if (this.videoConfig === undefined) return tags;
    tags.push({
      type: FlvTagType.Video,
      timestamp: ms,
      data: buildVideoTag(video.codec, { config: false, keyframe, cts: 0, payload }),
    });
    return tags;
  }

  /** Tags for one audio frame (AAC access unit or G.711 samples). */
  audioTags(payload: Buffer, ms: number): FlvTag[] {
    const audio = this.audio;
    if (audio === undefined) return [];
    if (audio.codec === 'PCMA' || audio.codec === 'PCMU')
      return [{ type: FlvTagType.Audio, timestamp: ms, data: buildG711Tag(audio.codec, payload) }];
    if (audio.codec !== 'AAC') return [];
    const tags: FlvTag[] = [];
    if (!this.audioConfigSent) {
      const asc = parseMpeg4GenericFmtp(audio.fmtp).config;
      if (asc === undefined || asc.length === 0) return [];
      tags.push({ type: FlvTagType.Audio, timestamp: ms, data: buildAacConfigTag(asc) });
      this.audioConfigSent = true;
    }
    tags.push({ type: FlvTagType.Audio, timestamp: ms, data: buildAacFrameTag(payload) });
    return tags;
  }
}

/** The avcC/hvcC of a key frame's parameter sets; undefined when there are none or they do not parse. */
function buildConfig(codec: FlvVideoCodec, nals: Buffer[], fmtp: string | undefined): Buffer | undefined {
  try {
    return buildConfigOrThrow(codec, nals, fmtp);
  } catch {
    // A parameter set we cannot read: no sequence header, so no video, rather than a broken one.
    return undefined;
  }
}

function buildConfigOrThrow(codec: FlvVideoCodec, nals: Buffer[], fmtp: string | undefined): Buffer | undefined {
  if (codec === 'H264') {
    let sps = nals.filter((n) => ((n[0] ?? 0) & 0x1f) === 7);
    let pps = nals.filter((n) => ((n[0] ?? 0) & 0x1f) === 8);
    if (sps.length === 0 || pps.length === 0)
      ({ sps, pps } = { sps: [...parseH264Fmtp(fmtp).sps], pps: [...parseH264Fmtp(fmtp).pps] });
    return sps.length > 0 ? buildAvcConfig({ sps, pps }) : undefined;
  }
  const type = (n: Buffer) => ((n[0] ?? 0) >> 1) & 0x3f;
  let sets = {
    vps: nals.filter((n) => type(n) === 32),
    sps: nals.filter((n) => type(n) === 33),
    pps: nals.filter((n) => type(n) === 34),
  };
  if (sets.sps.length === 0) {
    const f = parseH265Fmtp(fmtp);
    sets = { vps: [...f.vps], sps: [...f.sps], pps: [...f.pps] };
  }
  return sets.sps.length > 0 ? buildHvcConfig(sets) : undefined;
}
