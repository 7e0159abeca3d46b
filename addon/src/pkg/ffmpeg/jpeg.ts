import { rotateFilter } from './args.js';

/** How `/api/frame.jpeg` may change the picture (go2rtc's query: `width`/`w`, `height`/`h`, `rotate`). */
export interface SnapshotOptions {
  /** Pixels; 0 or less keeps the aspect ratio from the other side (ffmpeg's -1). */
  readonly width: number;
  readonly height: number;
  /** 90, 180, 270 (or -90); anything else leaves the picture as it is. */
  readonly rotate: number;
}

/** go2rtc's `core.Atoi`: the leading integer, 0 when there is none. */
function atoi(value: string | null): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

export function parseSnapshotQuery(query: URLSearchParams): SnapshotOptions {
  const width = atoi(query.get('width') ?? query.get('w'));
  const height = atoi(query.get('height') ?? query.get('h'));
  return {
    width: Math.min(Math.max(width, 0), 8192),
    height: Math.min(Math.max(height, 0), 8192),
    rotate: atoi(query.get('rotate')),
  };
}

/** Video filters of a snapshot, in go2rtc's order (scale, then rotate); empty when nothing changes. */
export function snapshotFilters(options: SnapshotOptions): string[] {
  const list: string[] = [];
  if (options.width > 0 || options.height > 0) list.push(`scale=${options.width || -1}:${options.height || -1}`);
  const rotate = rotateFilter(String(options.rotate));
  if (rotate) list.push(rotate);
  return list;
}

/**
 * ffmpeg arguments that decode one H264/H265 access unit (Annex B on stdin) and write one baseline JPEG to
 * stdout. `-frames:v 1` ends the process as soon as the picture is out.
 */
export function snapshotArgs(codec: 'H264' | 'H265', options: SnapshotOptions, logLevel = 'error'): string[] {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    logLevel,
    '-f',
    codec === 'H264' ? 'h264' : 'hevc',
    '-i',
    'pipe:0',
    '-frames:v',
    '1',
  ];
  const filters = snapshotFilters(options);
  if (filters.length > 0) args.push('-vf', filters.join(','));
  args.push('-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p', '-f', 'mjpeg', 'pipe:1');
  return args;
}

/**
 * ffmpeg arguments that turn an H264/H265 Annex B stream on stdin into a stream of JPEGs on stdout, one per
 * frame, as fast as frames arrive (the MJPEG output of a camera that only has H264).
 */
export function mjpegTranscodeArgs(codec: 'H264' | 'H265', logLevel = 'error'): string[] {
  // prettier-ignore
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', logLevel,
    '-fflags', 'nobuffer', '-flags', 'low_delay', '-probesize', '32', '-analyzeduration', '0',
    '-f', codec === 'H264' ? 'h264' : 'hevc', '-i', 'pipe:0',
    '-fps_mode', 'passthrough', '-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p', '-f', 'mjpeg', 'pipe:1',
  ];
}
