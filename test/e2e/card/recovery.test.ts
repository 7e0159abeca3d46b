import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { request } from '../../helpers/http.js';
import { startFakeHaProxy, type FakeHaProxy } from './fake-ha-proxy.js';
import {
  addCard,
  CARD_FILE,
  cardStats,
  ensureCardBuilt,
  startTs2rtc,
  TEST_PAGE,
  waitCard,
  type RunningTs2rtc,
} from './harness.js';

// The card keeps working without a page reload: a ts2rtc restart is recovered from (WebRTC and MSE), and with
// `intersection` it stops streaming (socket closed, no consumer left on the server) when scrolled away.
// fake-ha-proxy stands in for the integration's proxy; ts2rtc is the real built server, as a child process.
if (netnsGuard(import.meta.url)) {
  describe('webrtc-camera card: recovery and intersection', () => {
    let camera: GstCamera;
    let server: RunningTs2rtc;
    let proxy: FakeHaProxy;
    let browser: ChromiumPeer;

    before(async () => {
      ensureCardBuilt();
      camera = await startGstCamera({ video: 'h264', audio: 'pcmu' });
      server = await startTs2rtc({ door: camera.url });
      proxy = await startFakeHaProxy({ html: TEST_PAGE, cardFile: CARD_FILE, upstream: () => server.url });
      browser = await launchChromium({ args: ['--autoplay-policy=no-user-gesture-required'] });
    });
    after(async () => {
      await browser?.stop();
      await proxy?.close();
      await server?.close();
      await camera?.stop();
    });

    /** Viewers of `door` on the server (GET /api/streams?src=door). */
    async function consumers(): Promise<number> {
      const res = await request(`${server.url}/api/streams?src=door`);
      if (res.status !== 200) return 0;
      const stream = JSON.parse(res.text) as { consumers?: unknown[] | null };
      return stream.consumers?.length ?? 0;
    }

    it('intersection: stops when scrolled out of view (socket and peer connection closed, the server loses its viewers), plays again when back', async (t) => {
      const page = await browser.context.newPage();
      await page.bringToFront();
      await page.setViewportSize({ width: 800, height: 700 });
      await page.goto(proxy.url);
      // intersection: the default 0.75. One card per technique that holds a server consumer differently.
      await addCard(page, 'scroll-mse', { url: 'door', mode: 'mse' }, ['ts2rtc']);
      await addCard(page, 'scroll-rtc', { url: 'door', mode: 'webrtc' }, ['ts2rtc']);
      for (const id of ['scroll-mse', 'scroll-rtc'])
        await waitCard(page, id, (s) => s.phase === 'playing' && s.frames > 0, 20_000, 'playing');
      assert.equal(await consumers(), 2);

      await page.evaluate('window.scrollTo(0, 2500)');
      for (const id of ['scroll-mse', 'scroll-rtc'])
        await waitCard(page, id, (s) => s.phase === 'paused' && !s.socketOpen, 5000, 'paused off screen');
      const scrolledAt = Date.now();
      await waitFor(async () => (await consumers()) <= 1, {
        timeoutMs: 5000,
        intervalMs: 100,
        what: 'the MSE viewer gone at once',
      });
      // The browser closed its peer connection; the server notices by its ICE consent/idle timeout.
      await waitFor(async () => (await consumers()) === 0, {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'the server lost its WebRTC viewer',
      });
      t.diagnostic(`server without viewers ${Date.now() - scrolledAt} ms after scrolling away`);

      await page.evaluate('window.scrollTo(0, 0)');
      for (const id of ['scroll-mse', 'scroll-rtc']) {
        const back = await waitCard(
          page,
          id,
          (s) => s.phase === 'playing' && s.connections >= 2 && s.frames > 0,
          20_000,
          'playing again on screen',
        );
        assert.ok(back.frames > 0);
      }
      await page.close();
    });

    it('a server restart is recovered from without a page reload (WebRTC and MSE cards)', async (t) => {
      const page = await browser.context.newPage();
      await page.bringToFront();
      await page.goto(proxy.url);
      await addCard(page, 'rtc', { url: 'door', mode: 'webrtc', intersection: 0 }, ['ts2rtc']);
      await addCard(page, 'mse', { url: 'door', mode: 'mse', intersection: 0 }, ['ts2rtc']);
      for (const id of ['rtc', 'mse'])
        await waitCard(page, id, (s) => s.phase === 'playing' && s.frames > 10, 20_000, 'playing');

      await server.stop();
      for (const id of ['rtc', 'mse'])
        await waitCard(page, id, (s) => s.phase !== 'playing', 15_000, 'noticed the server is gone');
      const down = await cardStats(page, 'rtc');
      t.diagnostic(`while down: ${down.phase} "${down.error}"`);
      const stoppedAt = Date.now();
      await server.start();
      for (const id of ['rtc', 'mse']) {
        const s = await waitCard(page, id, (x) => x.phase === 'playing' && x.connections >= 2, 30_000, 'playing again');
        const before = s.frames;
        await waitCard(page, id, (x) => x.frames >= before + 25, 10_000, 'frames after the restart');
        t.diagnostic(
          `${id}: playing again ${Date.now() - stoppedAt} ms after the restart began (${s.connections} connections)`,
        );
      }
      await page.close();
    });
  });
}
