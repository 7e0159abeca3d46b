import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Codec } from '../../core/codec.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import { parseAvcConfig } from '../../pkg/h264/index.js';
import { parseMp4, sampleData } from '../../pkg/mp4/index.js';
import type { Mp4Track } from '../../pkg/mp4/types.js';

/** Resolves from both `src/modules/demo` (tests) and `dist/modules/demo` (the built server). */
export const DEMO_CLIP_PATH = fileURLToPath(new URL('../../../assets/demo.mp4', import.meta.url));

/** One track of the clip, turned into hub packets once so every loop and every stream shares them. */
export interface ClipTrack {
  readonly media: Media;
  readonly codec: Codec;
  /** Codec clock ticks per loop of the clip. */
  readonly loopTicks: number;
  readonly packets: readonly Packet[];
}

export interface Clip {
  readonly tracks: readonly ClipTrack[];
}

export async function loadClip(path = DEMO_CLIP_PATH): Promise<Clip> {
  const file = await readFile(path);
  const movie = parseMp4(file);
  const tracks: ClipTrack[] = [];
  for (const track of movie.tracks) {
    const converted =
      track.codec === 'H264' ? h264Track(file, track) : track.codec === 'OPUS' ? opusTrack(file, track) : undefined;
    if (converted) tracks.push(converted);
  }
  if (tracks.length === 0) throw new Error(`${path}: no H264 or Opus track`);
  return { tracks };
}

function h264Track(file: Buffer, track: Mp4Track): ClipTrack {
  if (!track.avcC) throw new Error('H264 track without avcC');
  const config = parseAvcConfig(track.avcC);
  // Consumers (RTSP readers, decoders joining mid-stream) need SPS/PPS in-band with every key frame;
  // MP4 keeps them only in avcC, so prepend them once here.
  const parameterSets = Buffer.concat([...config.sps, ...config.pps].map(withLength));
  const scale = 90000 / track.timescale;
  const packets = track.samples.map((sample): Packet => {
    const data = toLength4(sampleData(file, sample), config.nalLengthSize);
    return {
      payload: sample.keyframe ? Buffer.concat([parameterSets, data]) : data,
      timestamp: Math.round(sample.pts * scale),
      keyframe: sample.keyframe,
    };
  });
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const sps = config.sps[0];
  const pps = config.pps[0];
  const fmtp = [
    'packetization-mode=1',
    `profile-level-id=${hex(config.profile)}${hex(config.compat)}${hex(config.level)}`,
    ...(sps && pps ? [`sprop-parameter-sets=${sps.toString('base64')},${pps.toString('base64')}`] : []),
  ].join(';');
  const codec: Codec = { name: 'H264', clockRate: 90000, channels: 0, fmtp };
  return {
    media: { kind: 'video', direction: 'recvonly', codecs: [codec] },
    codec,
    loopTicks: Math.round(track.durationTicks * scale),
    packets,
  };
}

function opusTrack(file: Buffer, track: Mp4Track): ClipTrack {
  const scale = 48000 / track.timescale;
  const packets = track.samples.map((sample): Packet => ({
    payload: sampleData(file, sample),
    timestamp: Math.round(sample.pts * scale),
    keyframe: true,
  }));
  // Opus is always described as 48000/2 (RFC 7587); the real channel count is inside each packet's TOC.
  const codec: Codec = { name: 'OPUS', clockRate: 48000, channels: 2 };
  return {
    media: { kind: 'audio', direction: 'recvonly', codecs: [codec] },
    codec,
    loopTicks: Math.round(track.durationTicks * scale),
    packets,
  };
}

function withLength(nal: Buffer): Buffer {
  const out = Buffer.alloc(4 + nal.length);
  out.writeUInt32BE(nal.length, 0);
  nal.copy(out, 4);
  return out;
}

/** The hub's H264 payload is AVCC with 4-byte lengths; MP4 may use 1, 2 or 4. */
function toLength4(data: Buffer, lengthSize: number): Buffer {
  if (lengthSize === 4) return data;
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + lengthSize <= data.length) {
    const size = data.readUIntBE(offset, lengthSize);
    offset += lengthSize;
    parts.push(withLength(data.subarray(offset, offset + size)));
    offset += size;
  }
  return Buffer.concat(parts);
}
