import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { state, waitState } from '../mp4/player.js';
import { startHlsServer, type HlsServer } from './setup.js';

/**
 * Our player's `hls` mode (what Safari uses, having no MSE) in headless Chromium, whose <video> plays HLS
 * natively (canPlayType('application/vnd.apple.mpegurl') is "maybe" in Chromium 156): the `hls` WebSocket
 * request, the playlist URL resolved against the socket URL under a base_path, frames decoded.
 */
describe('Chromium plays HLS through our player (mode=hls)', () => {
  let server: HlsServer;
  let chrome: ChromiumPeer;
  before(async () => {
    server = await startHlsServer({ api: { base_path: '/go2rtc' } });
    chrome = await launchChromium({ viewport: PLAYER_VIEWPORT, args: ['--autoplay-policy=no-user-gesture-required'] });
  });
  after(async () => {
    await chrome?.stop();
    await server?.close();
  });

  it('demo: the native player decodes frames from the session the `hls` message made', async (t) => {
    const page = await chrome.context.newPage();
    try {
      await page.goto(`${server.base}/stream.html?src=demo&mode=hls`);
      const first = await waitState(page, (s) => s.frames > 0, 30_000, 'first frame');
      const start = await state(page);
      await page.waitForTimeout(4000);
      const end = await state(page);
      const src = await page.evaluate<string>(`document.querySelector('video-stream').video.src`);
      t.diagnostic(
        `first frame ${first.firstFrameMs.toFixed(0)} ms after connect; ${end.frames - start.frames} frames in 4 s; ${src}`,
      );
      assert.equal(end.error, '');
      assert.ok(src.startsWith(`${server.base}/api/hls/playlist.m3u8?id=`), src);
      assert.ok(end.frames - start.frames >= 0.9 * 25 * 4, `${end.frames - start.frames} frames in 4 s`);
      assert.equal(server.hls.sessions.size, 1);
    } finally {
      await page.close();
    }
  });
});
