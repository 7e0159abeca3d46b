import { spawnSync } from 'node:child_process';

/** What a test needs to know about one binary MSE message. */
export interface ReceivedFragment {
  readonly sequence: number;
  readonly trackId: number;
  readonly decodeTime: number;
  readonly duration: number;
  readonly keyframe: boolean;
  readonly size: number;
}

/** Reads a `moof` + `mdat` message as the server writes them (fixed layout: one traf, one trun). */
export function readFragment(message: Buffer): ReceivedFragment {
  if (message.toString('latin1', 4, 8) !== 'moof') throw new Error(`not a moof: ${message.toString('latin1', 4, 8)}`);
  const moofSize = message.readUInt32BE(0);
  if (message.toString('latin1', moofSize + 4, moofSize + 8) !== 'mdat')
    throw new Error('moof without its mdat in the same message');
  if (message.readUInt32BE(moofSize) + moofSize !== message.length)
    throw new Error('message is not exactly moof + mdat');
  return {
    sequence: message.readUInt32BE(20),
    trackId: message.readUInt32BE(44),
    decodeTime: Number(message.readBigUInt64BE(60)),
    duration: message.readUInt32BE(88),
    keyframe: message.readUInt32BE(96) === 0x02000000,
    size: message.readUInt32BE(92),
  };
}

export function isInit(message: Buffer): boolean {
  return message.toString('latin1', 4, 8) === 'ftyp';
}

/** FFmpeg's reading of an MP4 held in memory: streams, and decoded frames of the first video stream. */
export function ffmpegDecode(file: Buffer, map = '0:v:0'): { frames: number; stderr: string; streams: string } {
  const run = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-v',
      'warning',
      '-i',
      'pipe:0',
      '-map',
      map,
      '-fps_mode',
      'passthrough',
      '-f',
      'framecrc',
      'pipe:1',
    ],
    {
      input: file,
      maxBuffer: 1 << 28,
      timeout: 60_000,
    },
  );
  const probe = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=codec_name,width,height,sample_rate,channels', '-of', 'csv=p=0', 'pipe:0'],
    {
      input: file,
      maxBuffer: 1 << 28,
      timeout: 60_000,
    },
  );
  const frames = run.stdout
    .toString()
    .split('\n')
    .filter((l) => l && !l.startsWith('#')).length;
  return { frames, stderr: run.stderr.toString(), streams: probe.stdout.toString().trim() };
}
