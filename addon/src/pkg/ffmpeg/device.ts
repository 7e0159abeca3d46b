import { FfmpegError } from './errors.js';

/** Capture devices found on this machine, in the order their indexes refer to (`device?video=0`). */
export interface DeviceList {
  /** `/dev/video0`… (one entry per format line, as go2rtc lists them). */
  readonly videos: readonly string[];
  /** ALSA device names (`default`). */
  readonly audios: readonly string[];
}

/** One line of `/api/ffmpeg/devices` (go2rtc's api.Source). */
export interface DeviceSource {
  readonly name: string;
  readonly info: string;
  readonly url: string;
}

/** V4L2 input options a `device?` URL may set, besides `resolution` (go2rtc's names are ffmpeg's). */
const V4L2_OPTIONS = ['video_size', 'pixel_format', 'input_format', 'framerate', 'use_libv4l2'];
const ALSA_OPTIONS = ['channels', 'sample_rate'];
/** Option values are single ffmpeg arguments; they never need blanks or quotes. */
const SAFE_VALUE = /^[\w.:/,+-]{1,64}$/;

function byIndex(items: readonly string[], value: string): string {
  if (/^\d+$/.test(value)) {
    const item = items[Number(value)];
    if (item !== undefined) return item;
  }
  return value;
}

function option(key: string, value: string): string[] {
  if (!SAFE_VALUE.test(value))
    throw new FfmpegError('FFMPEG_INPUT_INVALID', `device ${key}=${JSON.stringify(value.slice(0, 40))}`);
  return [`-${key}`, value];
}

/**
 * ffmpeg input arguments for `ffmpeg:device?video=0&resolution=1280x720&framerate=30` (V4L2) or
 * `device?audio=default&channels=1&sample_rate=16000` (ALSA), Linux as go2rtc has it: `video` wins when both
 * are given; an index picks the n-th listed device, anything else is used as the device itself.
 */
export function deviceInputArgs(query: URLSearchParams, devices: DeviceList): string[] {
  const video = query.get('video');
  if (video) {
    const args = ['-f', 'v4l2'];
    for (const [key, value] of query) {
      if (key === 'resolution') args.push(...option('video_size', value));
      else if (V4L2_OPTIONS.includes(key)) args.push(...option(key, value));
    }
    return [...args, '-i', byIndex(devices.videos, video)];
  }
  const audio = query.get('audio');
  if (audio) {
    const args = ['-f', 'alsa'];
    for (const [key, value] of query) if (ALSA_OPTIONS.includes(key)) args.push(...option(key, value));
    return [...args, '-i', byIndex(devices.audios, audio)];
  }
  throw new FfmpegError('FFMPEG_INPUT_INVALID', 'device: expected video= or audio=');
}

// `[video4linux2,v4l2 @ 0x55d0] Compressed:       mjpeg :          Motion-JPEG : 640x360 1280x720`
const FORMAT_LINE = /(Raw|Compressed)\s*:\s+(\S+)\s+:\s+(.+?)\s+:\s+(.+)$/;

/**
 * The sources one V4L2 device offers, from `ffmpeg -f v4l2 -list_formats all -i <device>`: one per pixel
 * format, at its first frame size. Raw formats are encoded to H264; compressed ones (MJPEG, H264) are copied.
 */
export function parseV4l2Formats(device: string, output: string): DeviceSource[] {
  const sources: DeviceSource[] = [];
  for (const line of output.split('\n')) {
    const m = FORMAT_LINE.exec(line.trim());
    if (!m) continue;
    const [, kind = '', format = '', name = '', sizes = ''] = m;
    const size = sizes.trim().split(/\s+/)[0] ?? '';
    let url = `ffmpeg:device?video=${device}&input_format=${format}&video_size=${size}`;
    if (kind === 'Raw') url += '#video=h264#hardware';
    sources.push({ name, info: sizes.trim(), url });
  }
  return sources;
}
