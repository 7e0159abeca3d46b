import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { runProcess } from '../../peers/process.js';
import { countFrames, ffprobeJson } from '../../peers/ffmpeg.js';
import { startConfigured, type ConfiguredTs2rtc } from '../ffmpeg/harness.js';
import { assertNoGaps } from '../../helpers/frames.js';
import { startHttpCamera, type HttpCamera } from './http-camera.js';
import { TestConsumer, wantMedia } from '../../helpers/test-consumer.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The http(s) source against a camera made of real ffmpeg output over HTTP (http-camera.ts): MJPEG (a
 * camera's multipart and ffmpeg's own mpjpeg), a JPEG snapshot URL, live HLS with MPEG-TS and fMP4 segments.
 * Each is played by an RTSP reader (ffmpeg decoding and counting frames); ≥ 90 % of the camera's frames
 * must arrive. Streams are added the way Home Assistant does (PUT /api/streams from the network).
 */
const SECONDS = 4;

describe('http(s) source', () => {
  let camera: HttpCamera;
  let server: ConfiguredTs2rtc;
  before(async () => {
    camera = await startHttpCamera();
    server = await startConfigured({});
  });
  after(async () => {
    await server?.stop();
    await camera?.stop();
  });

  async function put(name: string, src: string): Promise<void> {
    const res = await fetch(
      `${server.api}/api/streams?name=${encodeURIComponent(name)}&src=${encodeURIComponent(src)}`,
      { method: 'PUT' },
    );
    assert.equal(res.status, 200, await res.text());
  }

  it('lists http, https and httpx in /api/schemes', async () => {
    const schemes = (await (await fetch(`${server.api}/api/schemes`)).json()) as string[];
    for (const scheme of ['http', 'https', 'httpx'])
      assert.ok(schemes.includes(scheme), `${scheme} in ${schemes.join(',')}`);
  });

  for (const [name, pathname] of [
    ['mjpeg', '/video.mjpg'],
    ['mpjpeg', '/ffmpeg.mjpg'],
  ] as const) {
    it(`MJPEG over HTTP (${pathname}) plays to an RTSP reader with ≥ 90 % of the frames`, async () => {
      await put(name, `${camera.base}${pathname}`);
      const count = await countFrames(server.rtspUrl(name), {
        seconds: SECONDS,
        fastProbe: false,
        firstFrameTimeoutMs: 20_000,
      });
      assertNoGaps(name, count, camera.fps);
      const probe = await ffprobeJson(server.rtspUrl(name), [], { timeoutMs: 20_000 });
      assert.deepEqual(
        probe.streams.map((s) => [s.codec_name, s.width, s.height]),
        [['mjpeg', 320, 240]],
      );
    });
  }

  it('a JPEG snapshot URL is polled into a video stream with ≥ 90 % of the frames', async () => {
    await put('snapshot', `${camera.base}/snapshot.jpg`);
    const count = await countFrames(server.rtspUrl('snapshot'), {
      seconds: SECONDS,
      fastProbe: false,
      firstFrameTimeoutMs: 20_000,
    });
    assertNoGaps('snapshot', count, camera.fps);
  });

  describe('live HLS', () => {
    // The two HLS encoders run only around these tests: for the whole file they were half of its CPU.
    before(() => camera.startHls());
    after(() => camera.stopHls());
    for (const kind of ['hls-ts', 'hls-fmp4'] as const) {
      it(`HLS (${kind}) plays to an RTSP reader with ≥ 90 % of the frames`, async () => {
        await put(kind, `${camera.base}/${kind}/index.m3u8`);
        const count = await countFrames(server.rtspUrl(kind), {
          seconds: 6,
          fastProbe: false,
          firstFrameTimeoutMs: 30_000,
        });
        assertNoGaps(kind, count, camera.fps);
      });
    }
  });

  for (const [name, pathname] of [
    ['flv', '/live.flv'],
    ['mpegts', '/live.ts'],
  ] as const) {
    it(`${name} over HTTP (told by its first bytes) plays to an RTSP reader with ≥ 90 % of the frames`, async () => {
      await put(name, `${camera.base}${pathname}`);
      const count = await countFrames(server.rtspUrl(name), {
        seconds: SECONDS,
        fastProbe: false,
        firstFrameTimeoutMs: 30_000,
      });
      assertNoGaps(name, count, camera.fps);
    });
  }

  it('HTTP Digest auth (snapshot polling and MJPEG): the challenge is answered, and reused while the nonce holds', async () => {
    await put('digest-snapshot', `http://admin:secret@${new URL(camera.base).host}/digest/snapshot.jpg`);
    await put('digest-mjpeg', `http://admin:secret@${new URL(camera.base).host}/digest/video.mjpg`);
    const refusedBefore = camera.requests.get('401') ?? 0;
    const snapshots = await countFrames(server.rtspUrl('digest-snapshot'), {
      seconds: 2,
      fastProbe: false,
      firstFrameTimeoutMs: 20_000,
    });
    // Snapshot polling stamps each picture when its request returns: on a loaded machine fewer requests finish per
    // second (61 of 69 once in CI), which is the poller's pace, not lost frames. What is under test is the auth.
    assertNoGaps('digest snapshot', snapshots, camera.fps, 0.75);
    // ~25 pictures a second, a new nonce every 20: far fewer challenges than pictures.
    const refused = (camera.requests.get('401') ?? 0) - refusedBefore;
    assert.ok(refused < snapshots.frames / 5, `${refused} challenges for ${snapshots.frames} pictures`);
    const mjpeg = await countFrames(server.rtspUrl('digest-mjpeg'), {
      seconds: 2,
      fastProbe: false,
      firstFrameTimeoutMs: 20_000,
    });
    assertNoGaps('digest mjpeg', mjpeg, camera.fps);
    await put('digest-wrong', `http://admin:guess@${new URL(camera.base).host}/digest/snapshot.jpg`);
    await assert.rejects(countFrames(server.rtspUrl('digest-wrong'), { seconds: 1, firstFrameTimeoutMs: 3000 }));
    const wrong = (await (await fetch(`${server.api}/api/streams?src=digest-wrong`)).json()) as {
      producers: Array<{ error?: string }>;
    };
    assert.match(wrong.producers[0]?.error ?? '', /HTTP_STATUS: 401/);
  });

  it('httpx:// reads a camera behind a self-signed certificate; https:// refuses it with HTTP_CONNECT', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-httpx-'));
    const sockets = new Set<Socket>();
    let tls: TlsServer | undefined;
    try {
      const key = path.join(dir, 'key.pem');
      const cert = path.join(dir, 'cert.pem');
      const made = await runProcess({
        name: 'openssl',
        command: 'openssl',
        debianPackage: 'openssl',
        args: [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=camera.invalid',
        ],
        timeoutMs: 10_000,
      });
      assert.equal(made.code, 0, made.stderr);
      const cameraPort = Number(new URL(camera.base).port);
      // TLS in front of the HTTP camera, as a camera with its own certificate.
      tls = createTlsServer({ key: await readFile(key), cert: await readFile(cert) }, (secure) => {
        const plain = connect(cameraPort, '127.0.0.1');
        sockets.add(plain);
        secure.pipe(plain).pipe(secure);
        secure.on('error', () => plain.destroy());
        plain.on('error', () => secure.destroy());
        plain.on('close', () => sockets.delete(plain));
      });
      const front = tls;
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
      const address = front.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      await put('httpx', `httpx://127.0.0.1:${port}/video.mjpg`);
      const count = await countFrames(server.rtspUrl('httpx'), {
        seconds: 2,
        fastProbe: false,
        firstFrameTimeoutMs: 20_000,
      });
      assertNoGaps('httpx mjpeg', count, camera.fps);
      await put('https-self-signed', `https://127.0.0.1:${port}/video.mjpg`);
      await assert.rejects(countFrames(server.rtspUrl('https-self-signed'), { seconds: 1, firstFrameTimeoutMs: 3000 }));
      const streams = (await (await fetch(`${server.api}/api/streams?src=https-self-signed`)).json()) as {
        producers: Array<{ error?: string }>;
      };
      assert.match(streams.producers[0]?.error ?? '', /HTTP_CONNECT: .*(certificate|self.signed)/i);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a URL that answers 404 or an unknown format shows a typed error on the producer', async () => {
    await put('missing', `${camera.base}/nothing-here.jpg`);
    await assert.rejects(countFrames(server.rtspUrl('missing'), { seconds: 1, firstFrameTimeoutMs: 3000 }));
    const streams = (await (await fetch(`${server.api}/api/streams?src=missing`)).json()) as {
      producers: Array<{ error?: string }>;
    };
    assert.match(streams.producers[0]?.error ?? '', /HTTP_STATUS: 404/);
  });
});

describe('http(s) source: an MJPEG camera that hangs with its connection open', () => {
  let camera: HttpCamera;
  let server: ConfiguredTs2rtc;
  before(async () => {
    camera = await startHttpCamera();
    // The RTSP server's publisher timeout stays at its 15 s: the MPEG-TS case must recover before it.
    server = await startConfigured({}, undefined, { http: { mjpegStallMs: 2000 } });
  });
  after(async () => {
    await server?.stop();
    await camera?.stop();
  });

  it('is let go with HTTP_TIMEOUT after the stall timeout, and the viewer plays again from a new request', async () => {
    const stream = server.server.app.streams.set('hung', [`${camera.base}/ffmpeg.mjpg`], 'config');
    const viewer = new TestConsumer([wantMedia('video', 'JPEG')]);
    await stream.addConsumer(viewer);
    try {
      await viewer.waitForPackets(10, 15_000);
      const [encoder] = [...camera.mjpegEncoders];
      assert.ok(encoder, 'the camera runs an ffmpeg for our request');
      process.kill(encoder, 'SIGSTOP');
      const stalledAt = performance.now();
      const error = await waitFor(
        () => {
          const json = stream.toJSON().producers?.[0] as { error?: string } | undefined;
          return json?.error?.startsWith('HTTP_TIMEOUT') ? json.error : undefined;
        },
        { timeoutMs: 8000, what: 'HTTP_TIMEOUT on the producer' },
      );
      process.stderr.write(`hung MJPEG camera: "${error}" after ${(performance.now() - stalledAt).toFixed(0)} ms\n`);
      const before = viewer.packets.length;
      await viewer.waitForPackets(before + 10, 15_000);
      assert.equal(camera.requests.get('/ffmpeg.mjpg'), 2, 'one new request after the timeout');
    } finally {
      await viewer.stop();
    }
  });

  it('MPEG-TS over HTTP (read by our ffmpeg): the hung camera ends our ffmpeg through its read timeout (5 s), well before the publisher timeout (15 s); the viewer plays again', async () => {
    const stream = server.server.app.streams.set('hung-ts', [`${camera.base}/live.ts`], 'config');
    const viewer = new TestConsumer([wantMedia('video', 'H264')]);
    await stream.addConsumer(viewer);
    try {
      await viewer.waitForPackets(10, 20_000);
      const [encoder] = [...camera.liveEncoders];
      assert.ok(encoder, 'the camera runs an ffmpeg for our request');
      // Our source asks twice before the freeze (its format sniff, then ffmpeg): count from here.
      const requestsBefore = camera.requests.get('/live.ts') ?? 0;
      process.kill(encoder, 'SIGSTOP');
      const stalledAt = performance.now();
      await waitFor(() => (camera.requests.get('/live.ts') ?? 0) > requestsBefore, {
        timeoutMs: 11_000,
        what: "a new request after ffmpeg's read timeout",
      });
      const newRequestMs = performance.now() - stalledAt;
      const before = viewer.packets.length;
      await viewer.waitForPackets(before + 10, 20_000);
      process.stderr.write(
        `hung MPEG-TS camera: new request ${newRequestMs.toFixed(0)} ms, playing again ${(performance.now() - stalledAt).toFixed(0)} ms after it froze\n`,
      );
    } finally {
      await viewer.stop();
    }
  });
});
