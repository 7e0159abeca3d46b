import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { READ_PLAYER_STATS, startWebrtcServer, type PagePlayerStats, type RunningWebrtc } from './helpers.js';

// Every UDP send in this namespace fails (EACCES): media can only come over the shared TCP port.
if (netnsGuard(import.meta.url, { blockUdp: true })) {
  describe('WebRTC over the shared TCP port alone', () => {
    let server: RunningWebrtc;
    let browser: ChromiumPeer;

    before(async () => {
      server = await startWebrtcServer({ config: { streams: { demo: 'demo:' } } });
      browser = await launchChromium({ viewport: PLAYER_VIEWPORT });
    });
    after(async () => {
      await browser?.stop();
      await server?.close();
    });

    const stats = async (page: Page): Promise<PagePlayerStats | null> =>
      (await page.evaluate(READ_PLAYER_STATS)) as PagePlayerStats | null;

    it('plays with UDP blocked: frames arrive through the ICE-TCP demultiplexer', async () => {
      const page = browser.page;
      await page.goto(`${server.url}/webrtc.html?src=demo`);
      const s = await waitFor(
        async () => {
          const current = await stats(page);
          return current && current.framesDecoded >= 50 ? current : undefined;
        },
        { timeoutMs: 15000, intervalMs: 100, what: '50 frames over TCP' },
      );
      assert.equal(s.transport, 'tcp');
      assert.ok(s.audioPackets > 0);
      const mux = server.webrtc.mux;
      assert.ok(mux && mux.stats.routed >= 1, 'the shared TCP port routed the connection');
      process.stderr.write(
        `tcp-only: ${s.framesDecoded} frames, first frame ${s.firstFrameMs.toFixed(0)} ms, mux ${JSON.stringify(mux?.stats)}\n`,
      );
    });
  });
}
