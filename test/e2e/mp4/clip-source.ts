import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Codec } from '../../../addon/src/core/codec.js';
import type { Packet } from '../../../addon/src/core/packet.js';
import type { Clip, ClipTrack } from '../../../addon/src/modules/demo/clip.js';
import { DemoProducer } from '../../../addon/src/modules/demo/producer.js';
import type { StreamHub } from '../../../addon/src/modules/streams/hub.js';
import { parseAvcConfig } from '../../../addon/src/pkg/h264/index.js';
import { parseMp4, sampleData } from '../../../addon/src/pkg/mp4/index.js';

/**
 * Test sources made by FFmpeg: H264 video with AAC, PCMU, PCMA or no audio, played in real time and looping
 * by the demo source's producer. Registered as `clip:<audio>[-<video>]` (e.g. `clip:aac`, `clip:pcmu`,
 * `clip:none-noisy`), so the MP4 module sees what an RTSP camera with that audio would give it: AVCC frames with
 * SPS/PPS in-band on key frames, AAC access units with `config=` in the fmtp, 20 ms G.711 packets.
 */
export type ClipAudio = 'aac' | 'pcmu' | 'pcma' | 'none' | 'silent';
/** `plain`: 640x360 test pattern (~0.5 Mbit/s); `noisy`: full-frame noise at 8 Mbit/s, to fill socket buffers. */
export type ClipVideo = 'plain' | 'noisy';

const SECONDS = 4;

/**
 * Runs FFmpeg without blocking: the server under test shares this process, and a blocking encode (the 8 Mbit/s
 * noise clip takes seconds on a loaded machine) held back the WebSocket upgrades of the clients waiting on it.
 */
function ffmpeg(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args],
      { encoding: 'buffer', maxBuffer: 1 << 28, timeout: 120_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`ffmpeg ${args.join(' ')}: ${stderr.toString() || err.message}`)) : resolve(stdout),
    );
  });
}

function withLength(nal: Buffer): Buffer {
  const out = Buffer.alloc(4 + nal.length);
  out.writeUInt32BE(nal.length, 0);
  nal.copy(out, 4);
  return out;
}

async function videoTrack(dir: string, video: ClipVideo): Promise<ClipTrack> {
  const file = path.join(dir, `${video}.mp4`);
  const source =
    video === 'noisy' ? 'testsrc2=size=1280x720:rate=25,noise=alls=80:allf=t' : 'testsrc2=size=640x360:rate=25';
  const rate = video === 'noisy' ? ['-b:v', '8M', '-maxrate', '8M', '-bufsize', '1M'] : [];
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    source,
    '-t',
    String(SECONDS),
    '-c:v',
    'libx264',
    '-profile:v',
    'baseline',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    ...rate,
    file,
  ]);
  const data = readFileSync(file);
  const track = parseMp4(data).tracks.find((t) => t.codec === 'H264');
  if (!track?.avcC) throw new Error('ffmpeg made no H264 track');
  const config = parseAvcConfig(track.avcC);
  if (config.nalLengthSize !== 4) throw new Error('expected 4-byte NAL lengths');
  const sets = Buffer.concat([...config.sps, ...config.pps].map(withLength));
  const scale = 90000 / track.timescale;
  const packets = track.samples.map((s): Packet => {
    const payload = sampleData(data, s);
    return {
      payload: s.keyframe ? Buffer.concat([sets, payload]) : payload,
      timestamp: Math.round(s.pts * scale),
      keyframe: s.keyframe,
    };
  });
  const codec: Codec = { name: 'H264', clockRate: 90000, channels: 0, fmtp: 'packetization-mode=1' };
  return {
    media: { kind: 'video', direction: 'recvonly', codecs: [codec] },
    codec,
    loopTicks: SECONDS * 90000,
    packets,
  };
}

async function aacTrack(dir: string): Promise<ClipTrack> {
  const file = path.join(dir, 'aac.mp4');
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=16000:duration=${SECONDS}`,
    '-c:a',
    'aac',
    '-ac',
    '1',
    file,
  ]);
  const data = readFileSync(file);
  const track = parseMp4(data).tracks.find((t) => t.codec === 'AAC');
  if (!track?.audioSpecificConfig) throw new Error('ffmpeg made no AAC track');
  const packets = track.samples.map((s): Packet => ({
    payload: sampleData(data, s),
    timestamp: s.dts,
    keyframe: true,
  }));
  const codec: Codec = {
    name: 'AAC',
    clockRate: 16000,
    channels: 1,
    fmtp: `streamtype=5;mode=AAC-hbr;config=${track.audioSpecificConfig.toString('hex')}`,
  };
  return {
    media: { kind: 'audio', direction: 'recvonly', codecs: [codec] },
    codec,
    loopTicks: track.durationTicks,
    packets,
  };
}

async function g711Track(name: 'PCMU' | 'PCMA'): Promise<ClipTrack> {
  const raw = await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=8000:duration=${SECONDS}`,
    '-f',
    name === 'PCMU' ? 'mulaw' : 'alaw',
    'pipe:1',
  ]);
  const packets: Packet[] = [];
  for (let pos = 0; pos + 160 <= raw.length; pos += 160)
    packets.push({ payload: raw.subarray(pos, pos + 160), timestamp: pos, keyframe: true });
  const codec: Codec = { name, clockRate: 8000, channels: 1 };
  return {
    media: { kind: 'audio', direction: 'recvonly', codecs: [codec] },
    codec,
    loopTicks: packets.length * 160,
    packets,
  };
}

/** A PCMU track that is described but never carries a frame, like a camera whose microphone is off. */
function silentTrack(): ClipTrack {
  const codec: Codec = { name: 'PCMU', clockRate: 8000, channels: 1 };
  return { media: { kind: 'audio', direction: 'recvonly', codecs: [codec] }, codec, loopTicks: 8000, packets: [] };
}

export interface ClipSources {
  /** Removes the temp folder. */
  dispose: () => void;
}

/** Registers `clip:` on the hub; clips are made on first use (a second or two of FFmpeg each) and cached. */
export function registerClipSource(hub: StreamHub): ClipSources {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-clips-'));
  // Promises, so clients that come during an encode share it.
  const videos = new Map<ClipVideo, Promise<ClipTrack>>();
  const audios = new Map<ClipAudio, Promise<ClipTrack | undefined>>();
  hub.registerSource('clip', async (url) => {
    const [audioName = 'aac', videoName = 'plain'] = url.rest.split('-');
    const audio = audioName as ClipAudio;
    const video = videoName as ClipVideo;
    if (!videos.has(video)) videos.set(video, videoTrack(dir, video));
    if (!audios.has(audio)) {
      audios.set(
        audio,
        audio === 'aac'
          ? aacTrack(dir)
          : audio === 'pcmu'
            ? g711Track('PCMU')
            : audio === 'pcma'
              ? g711Track('PCMA')
              : Promise.resolve(audio === 'silent' ? silentTrack() : undefined),
      );
    }
    const tracks = [await videos.get(video), await audios.get(audio)].filter((t): t is ClipTrack => t !== undefined);
    const clip: Clip = { tracks };
    return new DemoProducer(clip, url.raw);
  });
  return { dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
