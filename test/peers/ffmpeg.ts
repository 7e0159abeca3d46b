import { PeerError } from './errors.js';
import { runProcess, startProcess, type PeerProcess } from './process.js';

/**
 * ffmpeg and ffprobe as test peers: probe a URL, count the frames a real decoder gets from it, publish a
 * test stream, measure the level of raw audio. Every call has a timeout and reaps its process.
 */

const FFMPEG = 'ffmpeg';
const FFPROBE = 'ffprobe';
const PACKAGE = 'ffmpeg';

/** How to read a headerless audio file: ffmpeg's `-f`, `-ar` and `-ac`. */
export interface RawAudioFormat {
  format: 'mulaw' | 'alaw' | 's16le';
  sampleRate: number;
  channels: number;
}

export const PCMU_8K: RawAudioFormat = { format: 'mulaw', sampleRate: 8000, channels: 1 };

export interface FfprobeStream {
  index: number;
  codec_name?: string;
  codec_type?: string;
  profile?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  r_frame_rate?: string;
  [key: string]: unknown;
}

export interface FfprobeResult {
  streams: FfprobeStream[];
  format?: Record<string, unknown>;
}

/** Input options ffmpeg/ffprobe need for `url`: the RTSP transport, unless the caller already gave one. */
function transportArgs(url: string, transport: 'tcp' | 'udp' | undefined, given: readonly string[]): string[] {
  if (!/^rtsps?:/i.test(url) || given.includes('-rtsp_transport')) return [];
  return ['-rtsp_transport', transport ?? 'tcp'];
}

/**
 * `ffprobe -show_streams -show_format` of `url` as JSON. `args` go before the URL (e.g. `['-rtsp_transport',
 * 'udp']`; RTSP defaults to TCP). Rejects with PEER_FAILED and ffprobe's stderr when it cannot open the URL
 * (a wrong password gives a message containing `401`).
 */
export async function ffprobeJson(
  url: string,
  args: readonly string[] = [],
  options: { timeoutMs?: number } = {},
): Promise<FfprobeResult> {
  const result = await runProcess({
    name: 'ffprobe',
    command: FFPROBE,
    debianPackage: PACKAGE,
    args: [
      '-v',
      'error',
      '-of',
      'json',
      '-show_streams',
      '-show_format',
      ...transportArgs(url, undefined, args),
      ...args,
      url,
    ],
    timeoutMs: options.timeoutMs ?? 15000,
  });
  if (result.code !== 0) {
    throw new PeerError(
      'PEER_FAILED',
      `ffprobe ${url} exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch (err) {
    throw new PeerError('PEER_OUTPUT', `ffprobe printed no JSON: ${result.stdout.slice(0, 500)}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || !('streams' in parsed) || !Array.isArray(parsed.streams)) {
    throw new PeerError('PEER_OUTPUT', `ffprobe JSON has no streams: ${result.stdout.slice(0, 500)}`);
  }
  const streams: FfprobeStream[] = parsed.streams.filter(
    (s: unknown): s is FfprobeStream =>
      typeof s === 'object' && s !== null && 'index' in s && typeof s.index === 'number',
  );
  const format =
    'format' in parsed && typeof parsed.format === 'object' && parsed.format !== null
      ? (parsed.format as Record<string, unknown>)
      : undefined;
  return format ? { streams, format } : { streams };
}

export interface CountFramesOptions {
  /** Length of the counting window, from the first frame, in seconds. */
  seconds: number;
  /** RTSP transport; defaults to tcp. */
  transport?: 'tcp' | 'udp';
  /** Which stream to decode: the first video (default) or the first audio stream. */
  media?: 'video' | 'audio';
  /**
   * Minimal probing (`-fflags nobuffer -probesize 32 -analyzeduration 0`): first frame in ~0.35 s instead of
   * ~2.3 s. Defaults to true for RTSP, false otherwise (FLV/RTMP needs default probing).
   */
  fastProbe?: boolean;
  /** Be the server: wait for a publisher (`-rtsp_flags listen` for RTSP, `-listen 1` for RTMP). */
  listen?: boolean;
  /** How long to wait for the first frame; defaults to 15000 ms. */
  firstFrameTimeoutMs?: number;
  /** More input options, placed before `-i`. */
  inputArgs?: readonly string[];
}

export interface FrameCount {
  /** Frames decoded within the window (audio: decoded audio frames, one per packet). */
  frames: number;
  /** Milliseconds from spawning ffmpeg to the first decoded frame. */
  firstFrameMs: number;
  /** Milliseconds actually counted (shorter than asked when the stream ended first). */
  windowMs: number;
  /** True when ffmpeg exited (stream ended, publisher left) before the window was over. */
  ended: boolean;
  /** Stream time covered by the counted frames, from their timestamps, in ms. */
  streamMs: number;
  /** The framecrc lines counted (`stream, dts, pts, duration, size, crc`). */
  lines: string[];
  /** ffmpeg's stderr (warnings about lost packets or decoding errors end up here). */
  stderr: string;
}

/**
 * Decodes the first video (or audio) stream of `url` with ffmpeg for `seconds` after the first frame and counts
 * the frames (`-f framecrc`: one line per decoded frame). Rejects with PEER_TIMEOUT (no frame in time) or
 * PEER_FAILED (ffmpeg exited without a frame), each with ffmpeg's stderr.
 */
export async function countFrames(url: string, options: CountFramesOptions): Promise<FrameCount> {
  const isRtsp = /^rtsps?:/i.test(url);
  const input: string[] = [];
  if (options.fastProbe ?? isRtsp) input.push('-fflags', 'nobuffer', '-probesize', '32', '-analyzeduration', '0');
  if (options.listen) input.push(...(isRtsp ? ['-rtsp_flags', 'listen'] : ['-listen', '1']));
  input.push(...transportArgs(url, options.transport, options.inputArgs ?? []), ...(options.inputArgs ?? []));
  const map = options.media === 'audio' ? '0:a:0' : '0:v:0';
  const peer = startProcess({
    name: 'ffmpeg (count frames)',
    command: FFMPEG,
    debianPackage: PACKAGE,
    args: [
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-v',
      'warning',
      ...input,
      '-i',
      url,
      '-map',
      map,
      '-fps_mode',
      'passthrough',
      '-f',
      'framecrc',
      'pipe:1',
    ],
  });
  try {
    return await countLines(peer, options);
  } finally {
    // SIGINT lets ffmpeg send TEARDOWN, so the server frees the session at once (matters for UDP).
    await peer.stop({ signal: 'SIGINT', graceMs: 2000 });
  }
}

function countLines(peer: PeerProcess, options: CountFramesOptions): Promise<FrameCount> {
  const spawned = Date.now();
  const windowMs = options.seconds * 1000;
  const lines: string[] = [];
  let timeBase = 0;
  let first = 0;
  return new Promise<FrameCount>((resolve, reject) => {
    let windowTimer: NodeJS.Timeout | undefined;
    const finish = (ended: boolean): void => {
      clearTimeout(windowTimer);
      clearTimeout(firstTimer);
      dispose();
      const elapsed = Math.min(Date.now() - first, windowMs);
      resolve({
        frames: lines.length,
        firstFrameMs: first - spawned,
        windowMs: elapsed,
        ended,
        streamMs: streamSpanMs(lines, timeBase),
        lines,
        stderr: peer.stderr(),
      });
    };
    const dispose = peer.onLine((line) => {
      const tb = /^#tb 0: (\d+)\/(\d+)/.exec(line);
      if (tb) timeBase = Number(tb[1]) / Number(tb[2]);
      if (line.startsWith('#') || line.trim() === '') return;
      const now = Date.now();
      if (first === 0) {
        first = now;
        clearTimeout(firstTimer);
        windowTimer = setTimeout(() => finish(false), windowMs);
      }
      if (now - first <= windowMs) lines.push(line);
    });
    const firstTimeoutMs = options.firstFrameTimeoutMs ?? 15000;
    const firstTimer = setTimeout(() => {
      dispose();
      reject(new PeerError('PEER_TIMEOUT', `no frame within ${firstTimeoutMs} ms: ${peer.describeExit()}`));
    }, firstTimeoutMs);
    void peer.exited.then(async (info) => {
      await peer.stdoutDone(500);
      if (first !== 0) {
        finish(true);
        return;
      }
      clearTimeout(firstTimer);
      dispose();
      reject(new PeerError('PEER_FAILED', `ffmpeg decoded no frame: ${peer.describeExit(info)}`));
    });
  });
}

/** Milliseconds between the first and the last counted frame's pts, plus the last one's duration. */
function streamSpanMs(lines: readonly string[], timeBase: number): number {
  const fields = (line: string | undefined): number[] => (line ?? '').split(',').map((f) => Number(f.trim()));
  const a = fields(lines[0]);
  const b = fields(lines[lines.length - 1]);
  const [, , ptsA] = a;
  const [, , ptsB, durB] = b;
  if (ptsA === undefined || ptsB === undefined || !Number.isFinite(ptsA) || !Number.isFinite(ptsB) || timeBase === 0)
    return 0;
  return Math.round((ptsB - ptsA + (durB ?? 0)) * timeBase * 1000);
}

export interface AudioLevel {
  /** Overall RMS level in dBFS (-Infinity for digital silence). */
  rmsDb: number;
  /** Overall peak level in dBFS. */
  peakDb: number;
  /** Samples per channel in the file. */
  samples: number;
  /** Duration of the audio, from `samples`. */
  seconds: number;
}

/**
 * Level of a headerless audio file (`ffmpeg -f FORMAT -ar RATE -ac CH -i FILE -af astats -f null -`).
 * Defaults to G.711 mu-law 8 kHz mono, what the ONVIF camera writes for a PCMU backchannel.
 * Rejects with PEER_FAILED for an empty or unreadable file.
 */
export async function audioLevel(
  file: string,
  format: RawAudioFormat = PCMU_8K,
  options: { timeoutMs?: number } = {},
): Promise<AudioLevel> {
  const result = await runProcess({
    name: 'ffmpeg (astats)',
    command: FFMPEG,
    debianPackage: PACKAGE,
    // prettier-ignore
    args: [
      '-hide_banner', '-nostdin', '-nostats', '-v', 'info',
      '-f', format.format, '-ar', String(format.sampleRate), '-ac', String(format.channels),
      '-i', file, '-af', 'astats', '-f', 'null', '-',
    ],
    timeoutMs: options.timeoutMs ?? 15000,
  });
  const overall = result.stderr.split(/\] Overall\s*\n/)[1];
  if (result.code !== 0 || overall === undefined) {
    throw new PeerError(
      'PEER_FAILED',
      `no audio statistics for ${file} (empty file?): ${result.stderr.trim().slice(-2000)}`,
    );
  }
  const field = (name: string): number => {
    const match = new RegExp(`${name}: (-?inf|-?[0-9.]+)`).exec(overall);
    if (!match?.[1]) throw new PeerError('PEER_OUTPUT', `astats printed no "${name}" for ${file}`);
    return match[1].endsWith('inf') ? (match[1].startsWith('-') ? -Infinity : Infinity) : Number(match[1]);
  };
  const samples = field('Number of samples');
  return {
    rmsDb: field('RMS level dB'),
    peakDb: field('Peak level dB'),
    samples,
    seconds: samples / format.sampleRate,
  };
}

export { publishTestStream, type PublishOptions, type Publisher } from './ffmpeg-publish.js';
