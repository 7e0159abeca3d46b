import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { state, waitState } from './player.js';
import { startMp4Server, type Mp4Server } from './setup.js';

/**
 * Headless Chromium plays streams through our player (`stream.html?src=…&mode=mse`, served by the API under
 * its static root): frames decoded (getVideoPlaybackQuality) and audio decoded (Chrome's decoded-byte
 * counter) for Opus, AAC and G.711 sent as FLAC.
 */

describe('Chromium plays MSE through our player', () => {
  let server: Mp4Server;
  let chrome: ChromiumPeer;
  before(async () => {
    server = await startMp4Server();
    // Sound may start without a click in this test browser; a real page starts muted and unmutes on click.
    chrome = await launchChromium({ viewport: PLAYER_VIEWPORT, args: ['--autoplay-policy=no-user-gesture-required'] });
  });
  after(async () => {
    await chrome?.stop();
    await server?.close();
  });

  for (const [stream, codec] of [
    ['demo', 'opus'],
    ['aac', 'mp4a.40.2'],
    ['pcmu', 'flac'],
  ] as const) {
    it(`${stream}: ≥ 100 frames in 5 s and ${codec} audio decoded`, async (t) => {
      const page = await chrome.context.newPage();
      try {
        await page.goto(`${server.url}/stream.html?src=${stream}&mode=mse`);
        const first = await waitState(page, (s) => s.firstFrameMs > 0, 20_000, 'first frame');
        const start = await state(page);
        await page.waitForTimeout(5000);
        const end = await state(page);
        const frames = end.frames - start.frames;
        t.diagnostic(
          `${stream}: first frame ${first.firstFrameMs.toFixed(0)} ms after connect; ${frames} frames in 5 s (${end.dropped} dropped); ` +
            `audio ${end.audioBytes} bytes decoded; latency ${(end.bufferedEnd - end.currentTime).toFixed(2)} s; ${end.mime}`,
        );
        assert.equal(end.error, '');
        assert.ok(end.mime.includes(codec), end.mime);
        assert.ok(frames >= 100, `${frames} frames in 5 s`);
        assert.ok(
          end.audioBytes > start.audioBytes && end.audioBytes > 10_000,
          `audio decoded: ${start.audioBytes} -> ${end.audioBytes}`,
        );
      } finally {
        await page.close();
      }
    });
  }

  it("mode=mp4 (go2rtc's key-frame stills): each key frame arrives as an MP4 file and becomes the poster", async (t) => {
    const page = await chrome.context.newPage();
    try {
      await page.goto(`${server.url}/stream.html?src=demo&mode=mp4`);
      const read = async () =>
        page.evaluate<{ stills: number; status: string; poster: string; firstFrameMs: number }>(`(() => {
          const player = document.querySelector('video-stream');
          return { stills: player.mp4Frames || 0, status: player.status ? player.status.textContent : '', poster: player.video.poster, firstFrameMs: player.firstFrameAt ? player.firstFrameAt - player.connectAt : 0 };
        })()`);
      const deadline = Date.now() + 20_000;
      let now = await read();
      while (now.stills < 3 && Date.now() < deadline) {
        await page.waitForTimeout(100);
        now = await read();
      }
      t.diagnostic(`mp4 stills: ${now.stills}, first after ${now.firstFrameMs.toFixed(0)} ms; status ${now.status}`);
      assert.ok(now.stills >= 3, `${now.stills} stills in 20 s`);
      // The poster is the decoded picture, as a JPEG of the stream's size.
      const size = await page.evaluate<number[]>(`new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
        img.onerror = () => resolve([0, 0]);
        img.src = document.querySelector('video-stream').video.poster;
      })`);
      assert.match(now.poster, /^data:image\/jpeg;base64,/);
      assert.ok((size[0] ?? 0) > 0 && (size[1] ?? 0) > 0, `poster ${size.join('x')}`);
    } finally {
      await page.close();
    }
  });

  it('a viewer joining a running stream sees a picture at once, from the cached frames', async (t) => {
    const first = await chrome.context.newPage();
    const second = await chrome.context.newPage();
    try {
      await first.goto(`${server.url}/stream.html?src=shared&mode=mse`);
      await waitState(first, (s) => s.frames > 30, 20_000, 'first viewer playing');
      await second.goto(`${server.url}/stream.html?src=shared&mode=mse`);
      const joined = await waitState(second, (s) => s.firstFrameMs > 0, 5000, 'second viewer first frame');
      const start = await state(second);
      await second.waitForTimeout(3000);
      const end = await state(second);
      t.diagnostic(
        `late joiner: first frame ${joined.firstFrameMs.toFixed(0)} ms after connect, ${end.frames - start.frames} frames in 3 s`,
      );
      assert.ok(joined.firstFrameMs < 1000, `${joined.firstFrameMs} ms`);
      assert.ok(end.frames - start.frames >= 60);
      assert.ok(end.audioBytes > start.audioBytes);
      assert.equal(
        server.mp4.sessions.list().filter((s) => s.clientCount === 2).length,
        1,
        'both viewers on one session',
      );
    } finally {
      await first.close();
      await second.close();
    }
  });
});
