import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Server } from '../../../addon/src/server.js';
import { TestWsClient } from '../../helpers/ws-client.js';
import { waitFor } from '../../helpers/wait.js';
import { rtspRequest } from '../../peers/rtsp-raw.js';
import { TestConsumer, wantMedia } from '../../helpers/test-consumer.js';
import { startConfigured } from './harness.js';
import { children, sourceFfmpegs, waitForCount } from './procs.js';

/**
 * Sources from the network may not run commands or read local things. `exec:` and `echo:` are refused outright;
 * `ffmpeg:` may only read network inputs (rtsp, rtmp, http) or our own streams, with template codecs. Every
 * entry point that creates a stream from a URL is tried: PUT and PATCH /api/streams, /api/ws?src=,
 * RTSPtoWeb's /stream/{id}/add, /api/frame.jpeg and /api/stream.mp4 (go2rtc's GetOrPatch), and RTSP
 * (DESCRIBE and ANNOUNCE never turn a path into a source). Refusals are 403 with code SOURCE_FORBIDDEN, and no
 * process is started. (On /api/ws, which has no status, the refusal is the `error` message naming the rule.)
 */

const COMMANDS = ['exec:ffmpeg -re -i /etc/passwd -f rtsp {output}', 'echo:cat /etc/passwd'];
const FFMPEG_LOCAL = [
  'ffmpeg:/etc/passwd',
  'ffmpeg:file:/etc/passwd#video=h264',
  'ffmpeg:file:///etc/passwd',
  'ffmpeg:device?video=0#video=h264',
  'ffmpeg:concat:/etc/passwd|/etc/hosts',
  'ffmpeg:rtsp://127.0.0.1:1/cam#raw=-i /etc/passwd',
  'ffmpeg:rtsp://127.0.0.1:1/cam#input=-f lavfi -i {input}',
  'ffmpeg:rtsp://127.0.0.1:1/cam#video=-vf movie=/etc/passwd',
  'ffmpeg:rtsp://127.0.0.1:1/cam#drawtext=textfile=/etc/passwd',
];
const ALLOWED = 'ffmpeg:rtsp://127.0.0.1:1/cam#video=h264#audio=opus';

const LAVFI = 'ffmpeg:testsrc2=size=160x90:rate=25#input=-re -f lavfi -i {input}#video=h264/ultra';

async function start(insecure: boolean): Promise<{ server: Server; api: string; rtsp: number; stop(): Promise<void> }> {
  const s = await startConfigured({
    ts2rtc: { allow_insecure_api_sources: insecure },
    streams: { existing: [ALLOWED], lavfi: [LAVFI] },
  });
  return { server: s.server, api: s.api, rtsp: s.rtspPort, stop: () => s.stop() };
}

function ffmpegChildren(): number {
  return children().filter((p) => p.comm === 'ffmpeg' || p.comm === 'cat').length;
}

async function refused(res: Response, what: string): Promise<void> {
  const body = await res.text();
  assert.equal(res.status, 403, `${what}: ${res.status} ${body}`);
  assert.equal((JSON.parse(body) as { code?: string }).code, 'SOURCE_FORBIDDEN', what);
}

/** ANNOUNCE with an SDP body to `url`; resolves with the status. */
function announce(url: string): Promise<number> {
  const target = new URL(url);
  const sdp =
    'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    socket.once('error', reject);
    socket.write(
      `ANNOUNCE ${url} RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`,
    );
    socket.on('data', (data) => {
      const m = /^RTSP\/1\.0 (\d{3})/.exec(data.toString('latin1'));
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
  });
}

describe('security: sources from the network', () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => {
    s = await start(false);
  });
  after(() => s?.stop());

  const entryPoints: Array<[string, (src: string) => Promise<void>]> = [
    [
      'PUT /api/streams',
      async (src) =>
        refused(
          await fetch(`${s.api}/api/streams?name=x&src=${encodeURIComponent(src)}`, { method: 'PUT' }),
          `PUT ${src}`,
        ),
    ],
    [
      'PATCH /api/streams',
      async (src) =>
        refused(
          await fetch(`${s.api}/api/streams?name=x&src=${encodeURIComponent(src)}`, { method: 'PATCH' }),
          `PATCH ${src}`,
        ),
    ],
    [
      'POST /stream/{id}/add (RTSPtoWeb)',
      async (src) =>
        refused(
          await fetch(`${s.api}/stream/x/add`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ name: 'x', channels: { '0': { name: 'ch1', url: src } } }),
          }),
          `RTSPtoWeb ${src}`,
        ),
    ],
    [
      'GET /api/frame.jpeg?src=',
      async (src) =>
        refused(await fetch(`${s.api}/api/frame.jpeg?src=${encodeURIComponent(src)}`), `frame.jpeg ${src}`),
    ],
    [
      'GET /api/stream.mp4?src=',
      async (src) =>
        refused(await fetch(`${s.api}/api/stream.mp4?src=${encodeURIComponent(src)}`), `stream.mp4 ${src}`),
    ],
    [
      '/api/ws?src= (mse and mjpeg)',
      async (src) => {
        for (const type of ['mse', 'mjpeg']) {
          const ws = await TestWsClient.open(`${s.api.replace('http', 'ws')}/api/ws?src=${encodeURIComponent(src)}`);
          try {
            ws.send({ type, value: 'avc1.640029,opus' });
            const error = await ws.next((m) => m.type === 'error');
            assert.match(
              String(error.value),
              new RegExp(`^${type}: .*allowed only in the config file`),
              `${type} ${src}`,
            );
          } finally {
            ws.close();
          }
        }
      },
    ],
  ];

  for (const [entry, attempt] of entryPoints) {
    it(`${entry}: exec: and echo: are refused`, async () => {
      for (const src of COMMANDS) await attempt(src);
      assert.equal(s.server.app.streams.get('x'), undefined, 'no stream was made');
      assert.equal(ffmpegChildren(), 0, 'nothing ran');
    });
    it(`${entry}: ffmpeg: with files, devices or arguments is refused`, async () => {
      for (const src of FFMPEG_LOCAL) await attempt(src);
      assert.equal(s.server.app.streams.get('x'), undefined, 'no stream was made');
      assert.equal(ffmpegChildren(), 0, 'nothing ran');
    });
  }

  it('ffmpeg: with a network input and template codecs is accepted from the API', async () => {
    const res = await fetch(`${s.api}/api/streams?name=ok&src=${encodeURIComponent(ALLOWED)}`, { method: 'PUT' });
    assert.equal(res.status, 200, await res.text());
  });

  it("Home Assistant's PUT (a camera plus ffmpeg: reading that same new stream) is accepted", async () => {
    const query = new URLSearchParams([
      ['name', 'camera.front'],
      ['src', 'rtsp://127.0.0.1:1/front'],
      ['src', 'ffmpeg:camera.front#audio=opus#query=log_level=debug'],
    ]);
    const res = await fetch(`${s.api}/api/streams?${query.toString()}`, { method: 'PUT' });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual(
      s.server.app.streams.get('camera.front')?.sources.map((u) => u.scheme),
      ['rtsp', 'ffmpeg'],
    );
  });

  it('a bare name that is no stream (a file in the working directory) is refused when opened', async () => {
    const put = await fetch(
      `${s.api}/api/streams?name=bare&src=${encodeURIComponent('ffmpeg:ts2rtc.yaml#video=h264')}`,
      { method: 'PUT' },
    );
    assert.equal(put.status, 200, 'it could be a stream made by the same request');
    const ws = await TestWsClient.open(`${s.api.replace('http', 'ws')}/api/ws?src=bare`);
    try {
      ws.send({ type: 'mjpeg' });
      const error = await ws.next((m) => m.type === 'error');
      assert.match(String(error.value), /a file input is allowed only in the config file/);
    } finally {
      ws.close();
    }
    assert.equal(ffmpegChildren(), 0, 'nothing ran');
  });

  it('a forbidden ffmpeg: URL is refused when the stream is created, before anything runs', async () => {
    const src = 'ffmpeg:/etc/passwd#video=h264';
    const put = await fetch(`${s.api}/api/streams?name=late&src=${encodeURIComponent(src)}`, { method: 'PUT' });
    assert.equal(put.status, 403);
    assert.equal(((await put.json()) as { code?: string }).code, 'SOURCE_FORBIDDEN');
    assert.equal(ffmpegChildren(), 0, 'nothing ran');
  });

  it('RTSP: DESCRIBE and ANNOUNCE never turn a path into a source', async () => {
    for (const src of [...COMMANDS, ...FFMPEG_LOCAL]) {
      const url = `rtsp://127.0.0.1:${s.rtsp}/${encodeURIComponent(src)}`;
      assert.equal((await rtspRequest(url, 'DESCRIBE', { Accept: 'application/sdp' })).status, 404, `DESCRIBE ${src}`);
      assert.equal(await announce(url), 404, `ANNOUNCE ${src}`);
    }
    assert.deepEqual(
      s.server.app.streams
        .names()
        .filter((n) => !['late', 'ok', 'camera.front', 'bare'].includes(n))
        .sort(),
      ['existing', 'lavfi'],
    );
    assert.equal(ffmpegChildren(), 0, 'nothing ran');
  });

  it("RTSP: a running ffmpeg's publish path can be neither read nor published to by anybody else", async () => {
    const stream = s.server.app.streams.get('lavfi');
    assert.ok(stream);
    const viewer = new TestConsumer([wantMedia('video', 'H264')]);
    await stream.addConsumer(viewer);
    try {
      await viewer.waitForPackets(3, 10_000);
      const [proc] = sourceFfmpegs(s.rtsp);
      const output = proc?.args.find((a) => a.startsWith(`rtsp://127.0.0.1:${s.rtsp}/`));
      assert.ok(output, 'the ffmpeg publishes to a path on our RTSP server');
      assert.match(output, /\/[0-9a-f]{32}$/, '128 random bits');
      assert.equal((await rtspRequest(output, 'DESCRIBE', { Accept: 'application/sdp' })).status, 404, 'not a stream');
      assert.equal(await announce(output), 404, 'the claim was used by ffmpeg, once');
    } finally {
      stream.removeConsumer(viewer);
    }
    await waitForCount(() => sourceFfmpegs(s.rtsp).length, 0, 3000, 'ffmpeg gone');
  });
});

describe('security: ts2rtc.allow_insecure_api_sources', () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => {
    s = await start(true);
  });
  after(() => s?.stop());

  it('lets the API create exec:, echo: and local ffmpeg: sources', async () => {
    for (const src of [...COMMANDS, ...FFMPEG_LOCAL]) {
      const res = await fetch(`${s.api}/api/streams?name=y&src=${encodeURIComponent(src)}`, { method: 'PUT' });
      assert.equal(res.status, 200, `${src}: ${await res.text()}`);
    }
    await waitFor(() => s.server.app.streams.get('y'), { timeoutMs: 1000, what: 'stream y' });
  });
});
