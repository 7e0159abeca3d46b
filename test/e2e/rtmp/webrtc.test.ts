import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { publishTestStream } from '../../peers/ffmpeg.js';
import { netnsGuard } from '../../peers/netns.js';
import { startNginxRtmp } from '../../peers/nginx-rtmp.js';
import { waitFor } from '../../helpers/wait.js';
import { READ_PLAYER_STATS, type PagePlayerStats } from '../webrtc/helpers.js';
import { startTs2rtc, type RunningTs2rtc } from './harness.js';

/**
 * Headless Chromium plays RTMP video through WebRTC (our player page, `webrtc.html?src=…`): an `rtmp://` source
 * on nginx-rtmp, and a stream ffmpeg publishes into ts2rtc's RTMP server. Server and browser share a private
 * network namespace so WebRTC stays on loopback. Audio is AAC, which WebRTC does not carry: video only.
 */
const FPS = 25;
const WINDOW_MS = 5000;

if (netnsGuard(import.meta.url)) {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const stats = async (page: Page): Promise<PagePlayerStats | null> =>
    (await page.evaluate(READ_PLAYER_STATS)) as PagePlayerStats | null;

  async function framesOver(page: Page, url: string): Promise<{ frames: number; seconds: number }> {
    await page.goto(url);
    const start = await waitFor(
      async () => {
        const s = await stats(page);
        return s && s.framesDecoded >= 10 ? s : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'WebRTC frames' },
    );
    const t0 = Date.now();
    const end = await waitFor(async () => (Date.now() - t0 >= WINDOW_MS ? stats(page) : undefined), {
      timeoutMs: WINDOW_MS + 5000,
      intervalMs: 100,
      what: 'the window',
    });
    assert.equal(end.videoCodec, 'H264');
    return { frames: end.framesDecoded - start.framesDecoded, seconds: (Date.now() - t0) / 1000 };
  }

  describe('Chromium plays RTMP through WebRTC', () => {
    let server: RunningTs2rtc;
    let chrome: ChromiumPeer;

    it('rtmp:// source on nginx-rtmp → WebRTC: ≥ 95 % of the frames', async (t) => {
      const nginx = await startNginxRtmp();
      cleanups.push(() => nginx.stop());
      const publisher = await publishTestStream(nginx.url('x'), { video: 'h264', audio: 'aac', fps: FPS });
      cleanups.push(() => publisher.stop());
      server = await startTs2rtc(
        { cam: nginx.url('x'), pub: null },
        { webrtc: { listen: '127.0.0.1:0', ice_servers: [], filters: { loopback: true } } },
      );
      cleanups.push(() => server.stop());
      chrome = await launchChromium({ viewport: PLAYER_VIEWPORT });
      cleanups.push(() => chrome.stop());
      const { frames, seconds } = await framesOver(chrome.page, `${server.apiUrl}/webrtc.html?src=cam`);
      t.diagnostic(`${frames} frames in ${seconds.toFixed(1)} s`);
      assert.ok(frames >= 0.95 * FPS * (WINDOW_MS / 1000), `${frames} frames in ${seconds.toFixed(1)} s`);
      // Done with this stream: left playing, the page, the relay and the publisher ran on through the next test.
      await chrome.page.goto('about:blank');
      await publisher.stop();
      await nginx.stop();
    });

    it('ffmpeg publishes into ts2rtc over RTMP → WebRTC: ≥ 95 % of the frames', async (t) => {
      const publisher = await publishTestStream(server.rtmpUrl('pub'), { video: 'h264', audio: 'aac', fps: FPS });
      cleanups.push(() => publisher.stop());
      const page = await chrome.context.newPage();
      await page.bringToFront();
      const { frames, seconds } = await framesOver(page, `${server.apiUrl}/webrtc.html?src=pub`);
      t.diagnostic(`${frames} frames in ${seconds.toFixed(1)} s`);
      assert.ok(frames >= 0.95 * FPS * (WINDOW_MS / 1000), `${frames} frames in ${seconds.toFixed(1)} s`);
    });
  });
}
