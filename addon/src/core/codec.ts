/**
 * Codec names follow go2rtc's (SDP encoding names, upper case). A closed union, not bare strings,
 * so a typo is a compile error and `switch` statements are checked for completeness.
 */
export const VIDEO_CODECS = ['H264', 'H265', 'VP8', 'VP9', 'AV1', 'JPEG', 'RAW'] as const;
export const AUDIO_CODECS = ['OPUS', 'PCMU', 'PCMA', 'AAC', 'G722', 'MPA', 'PCM', 'PCML', 'FLAC', 'ELD'] as const;

export type VideoCodecName = (typeof VIDEO_CODECS)[number];
export type AudioCodecName = (typeof AUDIO_CODECS)[number];
/** `ANY` is only ever on the consumer side: "copy whatever the source has" (RTSP `?video=copy`). */
export type CodecName = VideoCodecName | AudioCodecName | 'ANY';

export interface Codec {
  readonly name: CodecName;
  /** Hz of the timestamp clock: 90000 for video, the sample rate for audio; 0 = any (consumer side). */
  readonly clockRate: number;
  /** Audio channels; 0 = unspecified/any. */
  readonly channels: number;
  /** SDP fmtp parameters without the payload type, e.g. `packetization-mode=1;sprop-parameter-sets=...`. */
  readonly fmtp?: string;
  /** RTP payload type when the codec came from (or goes to) an SDP; absent for non-RTP sources. */
  readonly payloadType?: number;
}

export function isVideoCodec(name: CodecName): name is VideoCodecName {
  return (VIDEO_CODECS as readonly string[]).includes(name);
}

export function isAudioCodec(name: CodecName): name is AudioCodecName {
  return (AUDIO_CODECS as readonly string[]).includes(name);
}

export function parseCodecName(name: string): CodecName | undefined {
  const upper = name.toUpperCase();
  if (upper === 'HEVC') return 'H265';
  if (upper === 'MPEG4-GENERIC' || upper === 'MP4A-LATM') return 'AAC';
  if (upper === 'ANY' || isVideoCodec(upper as CodecName) || isAudioCodec(upper as CodecName)) {
    return upper as CodecName;
  }
  return undefined;
}

/**
 * Whether a consumer that accepts `wanted` can take `offered` as is. Zero clock rate or channel count on the
 * wanted side means "any" (a browser accepts Opus in any channel layout it negotiated; a filter `?audio=pcmu`
 * accepts PCMU at any rate).
 */
export function codecMatches(wanted: Codec, offered: Codec): boolean {
  if (wanted.name !== 'ANY' && wanted.name !== offered.name) return false;
  if (wanted.clockRate !== 0 && offered.clockRate !== 0 && wanted.clockRate !== offered.clockRate) return false;
  if (wanted.channels !== 0 && offered.channels !== 0 && wanted.channels !== offered.channels) return false;
  return true;
}

/** go2rtc's short form used in `medias` strings: `H264`, `PCMA/8000`, `OPUS/48000/2`. */
export function codecToString(codec: Codec): string {
  let text: string = codec.name;
  if (codec.clockRate !== 0 && codec.clockRate !== 90000) text += `/${codec.clockRate}`;
  if (codec.channels >= 2) text += `/${codec.channels}`;
  return text;
}

/** FFmpeg's names, as go2rtc reports codecs in `/api/streams`. */
const FFMPEG_NAMES: Record<CodecName, string> = {
  H264: 'h264',
  H265: 'hevc',
  VP8: 'vp8',
  VP9: 'vp9',
  AV1: 'av1',
  JPEG: 'mjpeg',
  RAW: 'rawvideo',
  OPUS: 'opus',
  PCMU: 'pcm_mulaw',
  PCMA: 'pcm_alaw',
  AAC: 'aac',
  G722: 'g722',
  MPA: 'mp3',
  PCM: 'pcm_s16be',
  PCML: 'pcm_s16le',
  FLAC: 'flac',
  ELD: 'aac',
  ANY: 'any',
};

export interface CodecJson {
  codec_name: string;
  codec_type: 'video' | 'audio';
  profile?: string;
  level?: number;
  sample_rate?: number;
  channels?: number;
}

/** Optional detail (profile, level) is supplied by the codec's own package, which knows its bitstream. */
export function codecToJson(codec: Codec, detail?: { profile?: string; level?: number }): CodecJson {
  const json: CodecJson = {
    codec_name: FFMPEG_NAMES[codec.name],
    codec_type: isVideoCodec(codec.name) ? 'video' : 'audio',
  };
  if (detail?.profile) json.profile = detail.profile;
  if (detail?.level) json.level = detail.level;
  if (codec.clockRate !== 0 && codec.clockRate !== 90000) json.sample_rate = codec.clockRate;
  if (codec.channels > 0) json.channels = codec.channels;
  return json;
}
