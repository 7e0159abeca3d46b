import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import type { Media } from '../../../../addon/src/core/media.js';
import type { Packet } from '../../../../addon/src/core/packet.js';
import { ProducerBase } from '../../../../addon/src/core/producer.js';
import { RtmpProducer, RtmpServer } from '../../../../addon/src/modules/rtmp/index.js';
import { FlvDemuxer, FlvReader, type FlvSample } from '../../../../addon/src/pkg/flv/index.js';
import { parseRtmpUrl } from '../../../../addon/src/pkg/rtmp/index.js';

/** Module and wire errors alike carry a `code`. */
type RtmpError = Error & { code: string };
import { createTestApp, type TestApp } from '../../../helpers/app.js';
import { waitFor } from '../../../helpers/wait.js';

/**
 * The RTMP module in one process: ts2rtc's server playing a stream to ts2rtc's own `rtmp://` client, and both
 * sides against peers that send garbage or stall. Real sockets on loopback; the FLV file is ffmpeg's.
 */
const FILE = readFileSync(new URL('../../pkg/flv/fixtures/ffmpeg_h264_aac_1s.flv', import.meta.url));
const demuxer = new FlvDemuxer();
const SAMPLES: FlvSample[] = new FlvReader().push(FILE).flatMap((t) => demuxer.push(t));
const VIDEO = demuxer.video;
const AUDIO = demuxer.audio;

/** Plays the FLV fixture's frames in a loop at 25 fps, as a camera would. */
class FileProducer extends ProducerBase {
  private timer: NodeJS.Timeout | undefined;
  private at = 0;
  constructor() {
    super({ formatName: 'test' }, [
      {
        kind: 'video',
        direction: 'recvonly',
        codecs: [{ name: 'H264', clockRate: 90000, channels: 0, fmtp: VIDEO?.fmtp ?? '' }],
      },
      {
        kind: 'audio',
        direction: 'recvonly',
        codecs: [{ name: 'AAC', clockRate: 16000, channels: 1, fmtp: AUDIO?.fmtp ?? '' }],
      },
    ]);
  }
  async start(): Promise<void> {
    this.timer ??= setInterval(() => {
      const sample = SAMPLES[this.at++ % SAMPLES.length];
      if (!sample) return;
      const track = this.tracks.find((t) => t.media.kind === sample.kind);
      track?.receiver.write({
        payload: sample.payload,
        timestamp: sample.timestamp,
        keyframe: sample.kind === 'audio' || sample.keyframe,
      });
    }, 10);
  }
  protected async release(): Promise<void> {
    clearInterval(this.timer);
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function rtmpServer(
  options: { username?: string; password?: string; authLoopback?: boolean; handshakeTimeoutMs?: number } = {},
) {
  const logLines: string[] = [];
  const app: TestApp = createTestApp({
    config: { streams: { file: 'file:', empty: null } },
    logLines,
    logLevel: 'debug',
  });
  cleanups.push(() => app.stop());
  const server = new RtmpServer(
    {
      listen: '127.0.0.1:0',
      username: options.username ?? '',
      password: options.password ?? '',
      authLoopback: options.authLoopback ?? false,
      ...(options.handshakeTimeoutMs ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
    },
    app.streams,
    app.logger('rtmp'),
  );
  await server.start();
  cleanups.push(() => server.stop());
  return { app, server, logLines, url: (path: string) => `rtmp://127.0.0.1:${server.port ?? 0}/${path}` };
}

function open(url: string, timeoutMs = 5000) {
  return RtmpProducer.open({ url: parseRtmpUrl(url), where: url, timeoutMs, log: createTestApp().rootLogger });
}

function collect(producer: RtmpProducer, media: Media): Packet[] {
  const packets: Packet[] = [];
  const codec = media.codecs[0];
  assert.ok(codec);
  producer.getTrack(media, codec).addSink({ id: -1, push: (p) => void packets.push(p), detach: () => undefined });
  return packets;
}

describe('RTMP module', () => {
  it('the server plays a stream to the rtmp:// source: same codecs (fmtp with the SPS/PPS), same frames, key frame first', async (t) => {
    const { app, url } = await rtmpServer();
    app.streams.registerSource('file', async () => new FileProducer());
    const producer = await open(url('live/file'));
    t.after(() => producer.stop());
    const medias = producer.getMedias();
    assert.deepEqual(
      medias.map((m) => [m.kind, m.codecs[0]?.name, m.codecs[0]?.clockRate, m.codecs[0]?.channels]),
      [
        ['video', 'H264', 90000, 0],
        ['audio', 'AAC', 16000, 1],
      ],
    );
    assert.equal(medias[0]?.codecs[0]?.fmtp, VIDEO?.fmtp);
    assert.equal(medias[1]?.codecs[0]?.fmtp, AUDIO?.fmtp);
    const video = collect(producer, medias[0] as Media);
    const audio = collect(producer, medias[1] as Media);
    await waitFor(() => video.length >= 30 && audio.length >= 10, { timeoutMs: 10000, what: 'frames through RTMP' });
    assert.ok(video[0]?.keyframe);
    const sent = new Set(SAMPLES.map((s) => s.payload.toString('base64')));
    for (const p of [...video, ...audio])
      assert.ok(sent.has(p.payload.toString('base64')), 'a frame the source sent, byte for byte');
    const info = producer.toJSON();
    assert.equal(info.format_name, 'rtmp');
    assert.ok((info.bytes_recv ?? 0) > 10000);
  });

  it('a stream the server does not have: RTMP_STREAM_NOT_FOUND naming it', async () => {
    const { url } = await rtmpServer();
    await assert.rejects(open(url('live/nope')), (err: RtmpError) => {
      assert.equal(err.code, 'RTMP_STREAM_NOT_FOUND');
      assert.match(err.message, /stream not found: nope/);
      return true;
    });
  });

  it('rtsp credentials apply: refused without them, played with ?user=&pass=', async () => {
    const { app, url } = await rtmpServer({ username: 'u', password: 'p', authLoopback: true });
    app.streams.registerSource('file', async () => new FileProducer());
    await assert.rejects(
      open(url('live/file')),
      (err: RtmpError) => err.code === 'RTMP_REFUSED' && /Unauthorized/.test(err.message),
    );
    await assert.rejects(open(url('live/file?user=u&pass=x')), (err: RtmpError) => err.code === 'RTMP_REFUSED');
    const producer = await open(url('live/file?user=u&pass=p'));
    assert.equal(producer.getMedias().length, 2);
    await producer.stop();
  });

  it('a client that sends HTTP instead of RTMP is dropped at once, nothing left behind', async () => {
    const { server, logLines } = await rtmpServer();
    const socket = connect(server.port ?? 0, '127.0.0.1');
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    await waitFor(() => server.connectionCount === 0, { what: 'the server to forget the socket' });
    await waitFor(() => logLines.some((l) => l.includes('RTMP_HANDSHAKE') && l.includes('HTTP')), {
      what: 'the handshake error in the log',
    });
  });

  it('a client that stalls mid-handshake is dropped after the timeout with a message naming what it owes', async () => {
    const { server, logLines } = await rtmpServer({ handshakeTimeoutMs: 300 });
    const socket = connect(server.port ?? 0, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(100)]));
    await closed;
    await waitFor(() => server.connectionCount === 0, { what: 'the server to forget the socket' });
    assert.ok(
      logLines.some((l) => l.includes('RTMP_TIMEOUT') && l.includes('C0+C1')),
      logLines.join('\n'),
    );
  });

  it('the source against a server that stalls or answers garbage: RTMP_TIMEOUT / RTMP_HANDSHAKE, its socket closed', async () => {
    const accepted: Socket[] = [];
    let closedByClient = 0;
    let mode: 'silent' | 'garbage' = 'silent';
    const fake: Server = createServer((s) => {
      accepted.push(s);
      s.on('error', () => undefined);
      s.once('close', () => closedByClient++);
      s.resume();
      if (mode === 'garbage') s.write('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => fake.close(() => resolve())));
    const address = fake.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await assert.rejects(
      open(`rtmp://127.0.0.1:${port}/live/x`, 300),
      (err: RtmpError) => err.code === 'RTMP_TIMEOUT' && /handshake/.test(err.message),
    );
    mode = 'garbage';
    await assert.rejects(
      open(`rtmp://127.0.0.1:${port}/live/x`, 2000),
      (err: RtmpError) => err.code === 'RTMP_HANDSHAKE',
    );
    // Both connections were closed by the client: the fake server sees them end.
    await waitFor(() => accepted.length === 2 && closedByClient === 2, { what: 'the client to close its sockets' });
  });

  it('a refused connection: RTMP_CONNECT', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await assert.rejects(open(`rtmp://127.0.0.1:${port}/live/x`), (err: RtmpError) => err.code === 'RTMP_CONNECT');
  });
});
