import { buildMpeg4GenericFmtp } from '../aac/fmtp.js';
import { parseAacConfig } from '../aac/config.js';
import { parseAvcConfig } from '../h264/config.js';
import { buildH264Fmtp } from '../h264/rtp-fmtp.js';
import { buildH265Fmtp } from '../h265/rtp-fmtp.js';
import { decodeAmf0, type AmfObject, type AmfValue } from './amf0.js';
import { parseAudioTag } from './audio.js';
import { FlvError } from './errors.js';
import { parseHevcRecord } from './hevc-config.js';
import { FlvTagType, type FlvTag } from './tag.js';
import { parseVideoTag, type FlvVideoCodec } from './video.js';

/** The video track as the sequence header describes it. */
export interface FlvVideoTrack {
  readonly codec: FlvVideoCodec;
  /** SDP-style fmtp with the parameter sets (sprop-parameter-sets / sprop-vps,sps,pps). */
  readonly fmtp: string;
  /** The record as received (avcC / hvcC). */
  readonly record: Buffer;
  readonly nalLengthSize: number;
  /** Parameter sets in decoding order, put in front of key frames that lack them. */
  readonly parameterSets: readonly Buffer[];
}

export interface FlvAudioTrack {
  readonly codec: 'AAC' | 'PCMA' | 'PCMU';
  readonly clockRate: number;
  readonly channels: number;
  /** AAC: `config=<AudioSpecificConfig>` fmtp. */
  readonly fmtp?: string;
  /** AAC: the AudioSpecificConfig. */
  readonly asc?: Buffer;
}

/** One frame in the hub's form: H264/H265 as AVCC with 4-byte lengths (parameter sets on key frames). */
export type FlvSample =
  | { readonly kind: 'video'; readonly keyframe: boolean; readonly timestamp: number; readonly payload: Buffer }
  | { readonly kind: 'audio'; readonly timestamp: number; readonly payload: Buffer };

/** Largest NAL-unit count per frame we rebuild; real frames have a handful. */
const MAX_NALS = 1024;

/**
 * Turns FLV tags (or RTMP audio/video/data messages, the same bytes) into hub frames. Pure and incremental:
 * `push` one tag, get the frames it completes. It learns the tracks from the sequence headers and
 * `onMetaData`; frames before their sequence header are dropped and counted.
 */
export class FlvDemuxer {
  video: FlvVideoTrack | undefined;
  audio: FlvAudioTrack | undefined;
  metadata: AmfObject | undefined;
  /** Frames dropped because their track had no sequence header yet, or a codec we do not carry. */
  dropped = 0;

  /** Whether `onMetaData` announced a video / audio track (undefined: no metadata). */
  expects(): { video: boolean; audio: boolean } | undefined {
    const m = this.metadata;
    if (m === undefined) return undefined;
    const has = (key: string) => m[key] !== undefined && m[key] !== null && m[key] !== 0 && m[key] !== '';
    return { video: has('videocodecid') || has('width'), audio: has('audiocodecid') || has('audiosamplerate') };
  }

  push(tag: FlvTag): FlvSample[] {
    switch (tag.type) {
      case FlvTagType.Video:
        return this.pushVideo(tag);
      case FlvTagType.Audio:
        return this.pushAudio(tag);
      case FlvTagType.Script:
        this.pushScript(tag.data);
        return [];
      default:
        return [];
    }
  }

  private pushScript(data: Buffer): void {
    const values = decodeAmf0(data);
    // RTMP publishers send `@setDataFrame`, `onMetaData`, {...}; FLV files and players get `onMetaData`, {...}.
    let at = 0;
    if (values[0] === '@setDataFrame') at = 1;
    if (values[at] !== 'onMetaData') return;
    const meta = values[at + 1];
    if (isObject(meta)) this.metadata = meta;
  }

  private pushVideo(tag: FlvTag): FlvSample[] {
    const parsed = parseVideoTag(tag.data);
    if (parsed.kind === 'config') {
      this.video = videoTrack(parsed.codec, parsed.record);
      return [];
    }
    if (parsed.kind !== 'frame') return [];
    const track = this.video;
    if (track === undefined || track.codec !== parsed.codec) {
      this.dropped++;
      return [];
    }
    let nals: Buffer[];
    try {
      nals = splitNals(parsed.data, track.nalLengthSize);
    } catch {
      // One broken frame (a length past its end): drop it and count it, the next key frame recovers.
      this.dropped++;
      return [];
    }
    if (nals.length === 0) return [];
    const keyframe = parsed.keyframe || nals.some((nal) => isIrap(track.codec, nal));
    const withSets =
      keyframe && !nals.some((nal) => isParameterSet(track.codec, nal)) ? [...track.parameterSets, ...nals] : nals;
    return [{ kind: 'video', keyframe, timestamp: (tag.timestamp + parsed.cts) * 90, payload: joinAvcc(withSets) }];
  }

  private pushAudio(tag: FlvTag): FlvSample[] {
    const parsed = parseAudioTag(tag.data);
    if (parsed.kind === 'config') {
      const config = parseAacConfig(parsed.asc);
      if (config === undefined)
        throw new FlvError('FLV_BAD_TAG', `AAC AudioSpecificConfig ${parsed.asc.toString('hex')} is not one`);
      this.audio = {
        codec: 'AAC',
        clockRate: config.sampleRate,
        channels: config.channels,
        asc: Buffer.from(parsed.asc),
        fmtp: buildMpeg4GenericFmtp(parsed.asc),
      };
      return [];
    }
    if (parsed.kind === 'other') {
      this.dropped++;
      return [];
    }
    if (parsed.codec !== 'AAC' && this.audio?.codec !== parsed.codec)
      this.audio = { codec: parsed.codec, clockRate: 8000, channels: 1 };
    const track = this.audio;
    if (track === undefined || track.codec !== parsed.codec || parsed.data.length === 0) {
      this.dropped++;
      return [];
    }
    return [{ kind: 'audio', timestamp: Math.round((tag.timestamp * track.clockRate) / 1000), payload: parsed.data }];
  }
}

function isObject(v: AmfValue): v is AmfObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function videoTrack(codec: FlvVideoCodec, record: Buffer): FlvVideoTrack {
  try {
    return readVideoTrack(codec, Buffer.from(record));
  } catch (err) {
    if (err instanceof FlvError) throw err;
    // pkg/h264's record errors, in this layer's terms: the sequence header is what was wrong.
    throw new FlvError('FLV_BAD_TAG', `${codec} sequence header: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readVideoTrack(codec: FlvVideoCodec, copy: Buffer): FlvVideoTrack {
  if (codec === 'H264') {
    const avc = parseAvcConfig(copy);
    return {
      codec,
      record: copy,
      nalLengthSize: avc.nalLengthSize,
      parameterSets: [...avc.sps, ...avc.pps],
      fmtp: buildH264Fmtp(avc),
    };
  }
  const hevc = parseHevcRecord(copy);
  return {
    codec,
    record: copy,
    nalLengthSize: hevc.nalLengthSize,
    parameterSets: [...hevc.vps, ...hevc.sps, ...hevc.pps],
    fmtp: buildH265Fmtp(hevc),
  };
}

/** NAL units of a length-prefixed frame; a length past the end is a broken frame. */
export function splitNals(data: Buffer, lengthSize: number): Buffer[] {
  const nals: Buffer[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (pos + lengthSize > data.length)
      throw new FlvError('FLV_TRUNCATED', `NAL length at ${pos} past the end of a ${data.length}-byte frame`);
    const size = data.readUIntBE(pos, lengthSize);
    pos += lengthSize;
    if (size > data.length - pos)
      throw new FlvError('FLV_TRUNCATED', `NAL unit of ${size} bytes at ${pos}, ${data.length - pos} left`);
    if (size > 0) nals.push(data.subarray(pos, pos + size));
    pos += size;
    if (nals.length > MAX_NALS) throw new FlvError('FLV_BAD_TAG', `more than ${MAX_NALS} NAL units in one frame`);
  }
  return nals;
}

export function joinAvcc(nals: readonly Buffer[]): Buffer {
  let size = 0;
  for (const nal of nals) size += 4 + nal.length;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const nal of nals) {
    out.writeUInt32BE(nal.length, pos);
    nal.copy(out, pos + 4);
    pos += 4 + nal.length;
  }
  return out;
}

function nalTypeOf(codec: FlvVideoCodec, nal: Buffer): number {
  const b = nal[0] ?? 0;
  return codec === 'H264' ? b & 0x1f : (b >> 1) & 0x3f;
}

function isIrap(codec: FlvVideoCodec, nal: Buffer): boolean {
  const t = nalTypeOf(codec, nal);
  return codec === 'H264' ? t === 5 : t >= 16 && t <= 23;
}

function isParameterSet(codec: FlvVideoCodec, nal: Buffer): boolean {
  const t = nalTypeOf(codec, nal);
  return codec === 'H264' ? t === 7 : t === 33;
}
