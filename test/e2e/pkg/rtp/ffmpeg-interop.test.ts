import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Codec } from '../../../../addon/src/core/codec.js';
import type { Packet } from '../../../../addon/src/core/packet.js';
import { avccToAnnexB, H264Depacketizer } from '../../../../addon/src/pkg/h264/index.js';
import { H265Depacketizer } from '../../../../addon/src/pkg/h265/index.js';
import { rtpPacketToBuffer } from '../../../../addon/src/pkg/rtp/index.js';
import { createPacketizer } from '../../../../addon/src/pkg/rtsp/index.js';
import { buildSdp, mediasToSdp } from '../../../../addon/src/pkg/sdp/index.js';
import { depacketizeAll, fixtureUrl, readFrames, readPackets, readSession } from '../../../unit/pkg/rtp/capture.js';
import { FFMPEG_SKIP, decodedFrameMd5, ffmpeg } from './ffmpeg.js';

/**
 * Our packetizers and our SDP against ffmpeg's RTP receiver: the frames are packetized, described with
 * mediasToSdp, sent over loopback UDP to `ffmpeg -i x.sdp`, and what ffmpeg decodes must equal what it
 * decodes from the same frames as an elementary stream.
 */

const dir = mkdtempSync(join(tmpdir(), 'ts2rtc-rtp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Resolves once something (ffmpeg) holds the UDP port. */
async function untilBound(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = createSocket('udp4');
    const taken = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(true));
      probe.bind(port, '127.0.0.1', () => resolve(false));
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    if (taken) return;
    if (Date.now() > deadline) throw new Error(`ffmpeg did not open UDP port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Sends `frames` twice (the second copy only pushes the first through ffmpeg's reorder queue) and returns
 * the first `lines` lines of ffmpeg's `outputArgs` output.
 */
async function throughFfmpeg(
  kind: 'video' | 'audio',
  codec: Codec,
  frames: Packet[],
  span: number,
  outputArgs: string[],
  lines: number,
): Promise<string[]> {
  const port = await freeUdpPort();
  const session = mediasToSdp([{ kind, codec, control: 'track0' }], { address: '127.0.0.1' });
  const sdp = buildSdp({
    ...session,
    connection: { netType: 'IN', addrType: 'IP4', address: '127.0.0.1' },
    medias: session.medias.map((m) => ({ ...m, port })),
  });
  const sdpPath = join(dir, `${port}.sdp`);
  writeFileSync(sdpPath, sdp);
  // A short analysis and no frame-rate probing: the SDP says what the stream is, and the test sends only
  // a second of it (without -fpsprobesize 0, ffmpeg waits for more JPEG frames until its 10 s UDP timeout).
  const input = [
    '-protocol_whitelist',
    'file,udp,rtp',
    '-analyzeduration',
    '50000',
    '-fpsprobesize',
    '0',
    '-i',
    sdpPath,
  ];
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...input, ...outputArgs, 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  let stderr = '';
  let rest = '';
  const enough = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ffmpeg gave ${out.length} of ${lines} lines: ${stderr}`)), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      const text = rest + chunk.toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      out.push(...parts.filter((l) => l !== '' && !l.startsWith('#')));
      if (out.length >= lines) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      if (out.length < lines) reject(new Error(`ffmpeg exited with ${out.length} of ${lines} lines: ${stderr}`));
    });
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await untilBound(port, 10_000);
    const socket = createSocket('udp4');
    const packetizer = createPacketizer(codec, {
      payloadType: Number(/m=\w+ \d+ RTP\/AVP (\d+)/.exec(sdp)?.[1]),
      ssrc: 0x5eed,
      initialSequence: 0,
    });
    for (const copy of [0, 1]) {
      for (const frame of frames) {
        for (const p of packetizer.packetize({ ...frame, timestamp: frame.timestamp + copy * span })) {
          await new Promise<void>((resolve, reject) =>
            socket.send(rtpPacketToBuffer(p), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
          );
        }
      }
    }
    socket.close();
    await enough;
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  return out.slice(0, lines);
}

const md5Of = (lines: string[]) => lines.map((l) => l.split(',').at(-1)?.trim());

describe('our packetizers, decoded by ffmpeg from RTP/UDP with our SDP', { skip: FFMPEG_SKIP }, () => {
  it('H264 (STAP-A, FU-A at 1200 bytes): the same pictures as from the Annex B stream', async () => {
    const frames = depacketizeAll(
      new H264Depacketizer(),
      readSession(fixtureUrl('rtsp', 'ffmpeg_announce_h264_aac.bin')).channels.get(0) ?? [],
    );
    const reference = decodedFrameMd5(['-f', 'h264'], Buffer.concat(frames.map((f) => avccToAnnexB(f.payload))));
    const codec: Codec = {
      name: 'H264',
      clockRate: 90000,
      channels: 0,
      fmtp: 'packetization-mode=1;sprop-parameter-sets=Z0LAC9kDBGwEQAAAAwBAAAAMg8UKkg==,aMuDyyA=',
    };
    const packets = frames.map((f) => ({
      payload: f.payload,
      timestamp: f.timestamp - (frames[0]?.timestamp ?? 0),
      keyframe: f.keyframe,
    }));
    const got = await throughFfmpeg('video', codec, packets, 12 * 3600, ['-f', 'framemd5'], reference.length);
    assert.equal(reference.length, 12);
    assert.deepEqual(md5Of(got), reference);
  });

  it('H265 (AP, FU): the same pictures as from the Annex B stream', async () => {
    const frames = depacketizeAll(new H265Depacketizer(), readPackets(fixtureUrl('h265', 'gst_h265.rtp')));
    const reference = decodedFrameMd5(['-f', 'hevc'], Buffer.concat(frames.map((f) => avccToAnnexB(f.payload))));
    const packets = frames.map((f) => ({
      payload: f.payload,
      timestamp: f.timestamp - (frames[0]?.timestamp ?? 0),
      keyframe: f.keyframe,
    }));
    const got = await throughFfmpeg(
      'video',
      { name: 'H265', clockRate: 90000, channels: 0 },
      packets,
      40 * 3600,
      ['-f', 'framemd5'],
      reference.length,
    );
    assert.ok(reference.length >= 12);
    assert.deepEqual(md5Of(got), reference);
  });

  it('AAC (mpeg4-generic AAC-hbr): the same audio as from an ADTS stream', async () => {
    const aus = readFrames(fixtureUrl('aac', 'gst_aac_mp4g.frames'));
    // ADTS headers for AAC-LC, 16 kHz (index 8), mono, no CRC.
    const adts = Buffer.concat(
      aus.flatMap((au) => {
        const n = au.length + 7;
        return [Buffer.from([0xff, 0xf1, 0x60, 0x40 | (n >> 11), (n >> 3) & 0xff, ((n & 7) << 5) | 0x1f, 0xfc]), au];
      }),
    );
    const reference = decodedFrameMd5(['-f', 'aac'], adts);
    const packets = aus.map((payload, i) => ({ payload, timestamp: i * 1024, keyframe: true }));
    const codec: Codec = { name: 'AAC', clockRate: 16000, channels: 1, fmtp: 'config=1408' };
    const got = await throughFfmpeg('audio', codec, packets, aus.length * 1024, ['-f', 'framemd5'], reference.length);
    assert.equal(reference.length, 10);
    assert.deepEqual(md5Of(got), reference);
  });

  it('Opus: every packet decodes to 20 ms at 48 kHz', async () => {
    const frames = readFrames(fixtureUrl('opus', 'gst_opus.frames'));
    const packets = frames.map((payload, i) => ({ payload, timestamp: i * 960, keyframe: true }));
    const got = await throughFfmpeg(
      'audio',
      { name: 'OPUS', clockRate: 48000, channels: 2 },
      packets,
      frames.length * 960,
      ['-f', 'framemd5'],
      frames.length,
    );
    assert.deepEqual(
      got.map((l) => l.split(',')[3]?.trim()),
      frames.map(() => '960'),
    );
  });

  for (const [law, name] of [
    ['mulaw', 'PCMU'],
    ['alaw', 'PCMA'],
  ] as const) {
    it(`${name} (static payload type): the same samples as the raw ${law} stream`, async () => {
      const frames = readFrames(fixtureUrl('pcm', `gst_${name.toLowerCase()}.frames`));
      const reference = ffmpeg(
        ['-f', law, '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'],
        Buffer.concat(frames),
      );
      const packets = frames.map((payload, i) => ({ payload, timestamp: i * 320, keyframe: true }));
      const got = await throughFfmpeg(
        'audio',
        { name, clockRate: 8000, channels: 1 },
        packets,
        frames.length * 320,
        ['-f', 'framemd5'],
        frames.length,
      );
      assert.deepEqual(
        md5Of(got),
        frames.map(
          (_, i) =>
            decodedFrameMd5(['-f', 's16le', '-ar', '8000', '-ac', '1'], reference.subarray(i * 640, (i + 1) * 640))[0],
        ),
      );
    });
  }

  it('JPEG (RFC 2435, Q 255 with tables): the same pictures as the JPEG files', async () => {
    const jpegs = readFrames(fixtureUrl('jpeg', 'gst_jpeg420.frames'));
    const reference = jpegs.flatMap((j) => decodedFrameMd5(['-f', 'jpeg_pipe'], j));
    const packets = jpegs.map((payload, i) => ({ payload, timestamp: i * 3600, keyframe: true }));
    const got = await throughFfmpeg(
      'video',
      { name: 'JPEG', clockRate: 90000, channels: 0 },
      packets,
      jpegs.length * 3600,
      ['-f', 'framemd5'],
      jpegs.length,
    );
    assert.deepEqual(md5Of(got), reference);
  });
});
