// run-tests: quiet
// (asserts frame rates and snapshot latency a user would see: >= 20 of 25 frames a second, snapshots < 300 ms;
// measured 50 frames and ~150 ms beside one other quiet file)
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jpegSize } from '../../../addon/src/pkg/mjpeg/index.js';
import { TestConsumer, wantMedia } from '../../helpers/test-consumer.js';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { countFrames, ffprobeJson } from '../../peers/ffmpeg.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { startConfigured, type ConfiguredTs2rtc } from '../ffmpeg/harness.js';
import { noZombies, pipeFfmpegs, waitForCount } from '../ffmpeg/procs.js';

/**
 * MJPEG output and JPEG snapshots from real cameras (GStreamer: H264 640x360, and an MJPEG camera): ffmpeg and
 * Chromium's <img> read /api/stream.mjpeg, our player's `mjpeg` mode reads the WebSocket, /api/frame.jpeg is
 * timed while the stream runs. H264 goes through one shared ffmpeg per stream; JPEG needs none.
 */
describe('MJPEG and JPEG snapshots', () => {
  let h264: GstCamera;
  let mjpegCam: GstCamera;
  let server: ConfiguredTs2rtc;
  let chrome: ChromiumPeer;
  let keepalive: TestConsumer;
  before(async () => {
    [h264, mjpegCam] = await Promise.all([
      startGstCamera({ video: 'h264', shared: true }),
      startGstCamera({ video: 'mjpeg', shared: true }),
    ]);
    server = await startConfigured({ streams: { cam: [h264.url], jpeg: [mjpegCam.url] } });
    chrome = await launchChromium();
    // A viewer keeps the camera stream running, as when someone watches it.
    keepalive = new TestConsumer([wantMedia('video', 'H264')]);
    await server.server.app.streams.get('cam')?.addConsumer(keepalive);
    await keepalive.waitForPackets(30, 10_000);
  });
  after(async () => {
    await keepalive?.stop();
    await chrome?.stop();
    await server?.stop();
    await Promise.all([h264?.stop(), mjpegCam?.stop()]);
  });

  async function frame(query: string): Promise<{ jpeg: Buffer; ms: number; headers: Headers }> {
    const started = performance.now();
    const res = await fetch(`${server.api}/api/frame.jpeg?${query}`);
    const jpeg = Buffer.from(await res.arrayBuffer());
    const ms = performance.now() - started;
    assert.equal(res.status, 200, `${query}: ${jpeg.toString().slice(0, 200)}`);
    return { jpeg, ms, headers: res.headers };
  }

  /** ffprobe decodes the file: proof the JPEG is whole, not just well-formed headers. */
  async function decodedSize(jpeg: Buffer): Promise<string> {
    const file = path.join(tmpdir(), `ts2rtc-frame-${process.pid}-${jpeg.length}.jpg`);
    await writeFile(file, jpeg);
    const probe = await ffprobeJson(file, ['-count_frames']);
    const s = probe.streams[0];
    assert.equal(s?.['nb_read_frames'], '1', 'one decoded picture');
    return `${s?.width}x${s?.height}`;
  }

  it('/api/frame.jpeg: a decodable JPEG of the right size in < 300 ms while the stream runs', async (t) => {
    // The very first ffmpeg of a process pays for loading its libraries from disk; that is not the steady state.
    const warm = await frame('src=cam&width=100');
    const times: number[] = [];
    for (const [query, size] of [
      ['src=cam', '640x360'],
      ['src=cam&width=320', '320x180'],
      ['src=cam&h=180&rotate=90', '180x320'],
      ['src=cam', '640x360'],
    ] as const) {
      const { jpeg, ms, headers } = await frame(query);
      times.push(ms);
      assert.equal(headers.get('content-type'), 'image/jpeg');
      assert.equal(headers.get('content-length'), String(jpeg.length));
      assert.equal(headers.get('cache-control'), 'no-cache');
      assert.equal(await decodedSize(jpeg), size, query);
      assert.ok(ms < 300, `${query}: ${ms.toFixed(0)} ms`);
    }
    t.diagnostic(
      `frame.jpeg times: ${times.map((m) => m.toFixed(0)).join(', ')} ms (first, cold: ${warm.ms.toFixed(0)} ms)`,
    );
    await waitForCount(() => pipeFfmpegs().length, 0, 2000, 'decoders gone');
  });

  it('/api/frame.jpeg?cache=5s answers from the cache; a JPEG camera frame is returned as is', async () => {
    const first = await frame('src=cam&cache=5s');
    const second = await frame('src=cam&cache=5s');
    assert.ok(first.jpeg.equals(second.jpeg));
    assert.ok(second.ms < 50, `cached answer in ${second.ms.toFixed(0)} ms`);
    const jpeg = await frame('src=jpeg');
    assert.deepEqual(jpegSize(jpeg.jpeg), { width: 640, height: 360 });
    assert.equal(pipeFfmpegs().length, 0, 'no ffmpeg for a JPEG source');
  });

  it('/api/stream.mjpeg read by ffmpeg: >= 20 frames in 2 s, two clients share one transcoder', async (t) => {
    const url = `${server.api}/api/stream.mjpeg?src=cam`;
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, pipeFfmpegs().length)), 25);
    try {
      const [a, b] = await Promise.all([
        countFrames(url, { seconds: 2, fastProbe: false }),
        countFrames(url, { seconds: 2, fastProbe: false }),
      ]);
      t.diagnostic(
        `MJPEG clients: ${a.frames} and ${b.frames} frames in 2 s; first after ${a.firstFrameMs} / ${b.firstFrameMs} ms`,
      );
      assert.ok(a.frames >= 20 && b.frames >= 20, `${a.frames}, ${b.frames}`);
    } finally {
      clearInterval(sampler);
    }
    assert.equal(most, 1, 'one transcoder for both clients');
    await waitForCount(() => pipeFfmpegs().length, 0, 2000, 'transcoder gone after the clients');
    await noZombies();
  });

  it('/api/stream.mjpeg of a JPEG camera runs no ffmpeg', async () => {
    const count = await countFrames(`${server.api}/api/stream.mjpeg?src=jpeg`, { seconds: 2, fastProbe: false });
    assert.ok(count.frames >= 40, `${count.frames} frames`);
    assert.equal(pipeFfmpegs().length, 0);
  });

  it("Chromium's <img> shows >= 20 different pictures in 2 s", async (t) => {
    const page = await chrome.context.newPage();
    try {
      // The page is served under the API's origin, so the canvas may read the image back.
      await page.route(`${server.api}/mjpeg-img.html`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: '<!DOCTYPE html><img id="v" src="api/stream.mjpeg?src=cam"><canvas id="c" width="64" height="36"></canvas>',
        }),
      );
      await page.goto(`${server.api}/mjpeg-img.html`);
      const changes = await page.evaluate<number>(`new Promise((resolve) => {
        const img = document.getElementById('v');
        const ctx = document.getElementById('c').getContext('2d', { willReadFrequently: true });
        let last = '';
        let changes = 0;
        let start = 0;
        const tick = (now) => {
          if (img.naturalWidth > 0) {
            if (!start) start = now;
            ctx.drawImage(img, 0, 0, 64, 36);
            const data = ctx.getImageData(0, 0, 64, 36).data;
            let sum = 0;
            for (let i = 0; i < data.length; i += 7) sum = (sum * 31 + data[i]) >>> 0;
            const key = String(sum);
            if (key !== last) { changes++; last = key; }
            if (now - start >= 2000) return resolve(changes);
          }
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
        setTimeout(() => resolve(-1), 15000);
      })`);
      t.diagnostic(`<img>: ${changes} different pictures in 2 s`);
      assert.ok(changes >= 20, `${changes} pictures`);
    } finally {
      await page.close();
    }
  });

  it("our player's mjpeg mode (WebSocket) shows >= 20 frames in 2 s", async (t) => {
    const page = await chrome.context.newPage();
    try {
      await page.goto(`${server.api}/stream.html?src=cam&mode=mjpeg`);
      const read = (): Promise<number> =>
        page.evaluate<number>(`document.querySelector('video-stream').mjpegFrames || 0`);
      const deadline = Date.now() + 15_000;
      while ((await read()) === 0 && Date.now() < deadline) await page.waitForTimeout(50);
      const start = await read();
      await page.waitForTimeout(2000);
      const frames = (await read()) - start;
      const poster = await page.evaluate<string>(`document.querySelector('video-stream video').poster`);
      t.diagnostic(`player mjpeg mode: ${frames} frames in 2 s`);
      assert.ok(frames >= 20, `${frames} frames`);
      assert.match(poster, /^blob:/);
    } finally {
      await page.close();
    }
    await waitForCount(() => pipeFfmpegs().length, 0, 3000, 'transcoder gone after the page');
  });
});
