/**
 * The bench camera's picture: a 4 Mbit/s H264 640x360@25 elementary stream, encoded once per run by ffmpeg
 * (noise over testsrc2, so x264 really spends the bits instead of undershooting on a flat pattern), cut into
 * access units.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NalUnitType, splitAnnexB } from '../../addon/src/pkg/h264/index.js';
import { runProcess } from '../../test/peers/process.js';

export const WIDTH = 640;
export const HEIGHT = 360;
export const FPS = 25;
export const BITRATE = 4_000_000;
/** RTP clock ticks per frame. */
export const FRAME_TICKS = 90_000 / FPS;

export interface AccessUnit {
  /** NAL units in decoding order (no AUD, no x264 SEI); key frames (every FPS-th) start with SPS and PPS. */
  readonly nalus: readonly Buffer[];
  readonly keyframe: boolean;
}

export interface Clip {
  readonly frames: readonly AccessUnit[];
  readonly sps: Buffer;
  readonly pps: Buffer;
  /** Bits per second of the elementary stream. */
  readonly bitrate: number;
}

const AUD_START = Buffer.from([0, 0, 1, NalUnitType.AUD]);

/** Encodes `seconds` of video with a key frame every second and no B-frames (as IP cameras send). */
export async function encodeClip(seconds: number): Promise<Clip> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-bench-rtsp-'));
  try {
    const file = path.join(dir, 'camera.h264');
    const kbps = BITRATE / 1000;
    const result = await runProcess({
      name: 'ffmpeg-encode',
      command: 'ffmpeg',
      debianPackage: 'ffmpeg',
      timeoutMs: 60_000,
      // prettier-ignore
      args: [
        '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
        '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS},noise=alls=12:allf=t`,
        '-t', String(seconds),
        '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
        '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps / 2}k`,
        // An AUD opens every access unit (how we cut them); SPS/PPS repeated before every IDR, in-band.
        '-x264-params', `keyint=${FPS}:min-keyint=${FPS}:scenecut=0:bframes=0:aud=1:repeat-headers=1`,
        '-f', 'h264', file,
      ],
    });
    if (result.code !== 0) throw new Error(`ffmpeg could not encode the bench clip: ${result.stderr}`);
    return parseClip(readFileSync(file), seconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseClip(stream: Buffer, seconds: number): Clip {
  const starts: number[] = [];
  for (let at = stream.indexOf(AUD_START); at >= 0; at = stream.indexOf(AUD_START, at + AUD_START.length))
    starts.push(at);
  let sps: Buffer | undefined;
  let pps: Buffer | undefined;
  const frames: AccessUnit[] = [];
  for (let i = 0; i < starts.length; i++) {
    const nalus = splitAnnexB(stream.subarray(starts[i], starts[i + 1] ?? stream.length));
    const kept: Buffer[] = [];
    let keyframe = false;
    for (const nal of nalus) {
      const type = (nal[0] ?? 0) & 0x1f;
      if (type === NalUnitType.AUD || type === NalUnitType.SEI) continue;
      if (type === NalUnitType.SPS) sps = nal;
      if (type === NalUnitType.PPS) pps = nal;
      if (type === NalUnitType.IDR) keyframe = true;
      kept.push(nal);
    }
    if (kept.length > 0) frames.push({ nalus: kept, keyframe });
  }
  const first = frames[0];
  if (!sps || !pps || !first?.keyframe) throw new Error('bench clip: no SPS/PPS or it does not start with an IDR');
  const bytes = frames.reduce((n, f) => n + f.nalus.reduce((m, nal) => m + nal.length, 0), 0);
  if (frames.length !== seconds * FPS) throw new Error(`bench clip: ${frames.length} frames for ${seconds} s`);
  // Readers tell key frames by index (index % FPS === 0), looping included.
  if (frames.some((f, i) => f.keyframe !== (i % FPS === 0)))
    throw new Error(`bench clip: key frames are not every ${FPS} frames`);
  return { frames, sps, pps, bitrate: (bytes * 8 * FPS) / frames.length };
}
