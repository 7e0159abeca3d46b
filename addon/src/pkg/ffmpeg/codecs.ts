import type { Codec } from '../../core/codec.js';
import type { Media } from '../../core/media.js';
import { buildAacConfig, buildMpeg4GenericFmtp } from '../aac/index.js';
import type { CodecArgs, FfmpegCommand } from './args.js';

/** The value after the first of `flags` in `args` (`-c:v libx264` → `libx264`), stream suffixes allowed. */
function flagValue(args: readonly string[], flags: readonly string[]): string | undefined {
  for (let i = 0; i < args.length - 1; i++) {
    const arg = args[i] ?? '';
    if (flags.some((f) => arg === f || arg.startsWith(`${f}:`))) return args[i + 1];
  }
  return undefined;
}

function intValue(args: readonly string[], flags: readonly string[]): number | undefined {
  const text = flagValue(args, flags);
  return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : undefined;
}

const VIDEO_CODEC_FLAGS = ['-c:v', '-codec:v', '-vcodec'];
const AUDIO_CODEC_FLAGS = ['-c:a', '-codec:a', '-acodec'];

/** What a video encoder produces, as the hub names it; undefined when only running ffmpeg can tell. */
export function videoCodecOf(args: readonly string[]): Codec | undefined {
  const encoder = flagValue(args, VIDEO_CODEC_FLAGS);
  if (encoder === undefined) return undefined;
  if (encoder === 'libx264' || encoder.startsWith('h264_')) return { name: 'H264', clockRate: 90000, channels: 0 };
  if (encoder === 'libx265' || encoder.startsWith('hevc_')) return { name: 'H265', clockRate: 90000, channels: 0 };
  if (encoder === 'mjpeg' || encoder.startsWith('mjpeg_')) return { name: 'JPEG', clockRate: 90000, channels: 0 };
  return undefined;
}

/**
 * What an audio encoder produces. G.711 and PCM need the rate stated (`-ar`), AAC also the channels (its SDP
 * config depends on both); Opus over RTP is always OPUS/48000/2, whatever it encodes.
 */
export function audioCodecOf(args: readonly string[]): Codec | undefined {
  const encoder = flagValue(args, AUDIO_CODEC_FLAGS);
  const rate = intValue(args, ['-ar']);
  const channels = intValue(args, ['-ac']);
  switch (encoder) {
    case 'libopus':
    case 'opus':
      return { name: 'OPUS', clockRate: 48000, channels: 2 };
    case 'pcm_mulaw':
      return rate ? { name: 'PCMU', clockRate: rate, channels: channels ?? 1 } : undefined;
    case 'pcm_alaw':
      return rate ? { name: 'PCMA', clockRate: rate, channels: channels ?? 1 } : undefined;
    case 'pcm_s16be':
      return rate ? { name: 'PCM', clockRate: rate, channels: channels ?? 1 } : undefined;
    case 'aac':
    case 'libfdk_aac':
      if (!rate || !channels) return undefined;
      return { name: 'AAC', clockRate: rate, channels, fmtp: buildMpeg4GenericFmtp(buildAacConfig(rate, channels)) };
    default:
      return undefined;
  }
}

function mediaOf(kind: 'video' | 'audio', codec: CodecArgs): Media | undefined {
  if (codec.copy) return undefined;
  const found = kind === 'video' ? videoCodecOf(codec.args) : audioCodecOf(codec.args);
  return found ? { kind, direction: 'recvonly', codecs: [found] } : undefined;
}

/**
 * The medias the process will publish, known from the command alone: video first, then audio, one per
 * `#video=`/`#audio=`, as ffmpeg orders its outputs. Undefined when some track's codec is only known once
 * ffmpeg runs (`copy`, no codec options at all, `aac` without a rate): then the process has to run to tell.
 */
export function commandMedias(command: FfmpegCommand): Media[] | undefined {
  if (command.video.length === 0 && command.audio.length === 0) return undefined;
  const medias: Media[] = [];
  for (const codec of command.video) {
    const media = mediaOf('video', codec);
    if (!media) return undefined;
    medias.push(media);
  }
  for (const codec of command.audio) {
    const media = mediaOf('audio', codec);
    if (!media) return undefined;
    medias.push(media);
  }
  return medias;
}
