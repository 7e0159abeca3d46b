import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, type ChromiumPeer } from '../../peers/chromium.js';
import { audioLevel } from '../../peers/ffmpeg.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
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

// The card's microphone: Chromium's fake microphone (a beep) → the card's WebRTC offer (sendonly m-line) →
// fake-ha-proxy (stand-in for the integration's proxy) → ts2rtc → RTSP ONVIF backchannel → GStreamer's ONVIF
// camera, which writes what it receives to a file whose level we measure (as the backchannel tests do).
if (netnsGuard(import.meta.url)) {
  describe('webrtc-camera card: microphone to an ONVIF camera', () => {
    let camera: GstCamera;
    let server: RunningTs2rtc;
    let proxy: FakeHaProxy;
    let browser: ChromiumPeer;
    let page: Page;

    before(async () => {
      ensureCardBuilt();
      camera = await startGstCamera({ video: 'h264', audio: 'pcmu', onvif: true, backchannel: 'pcmu' });
      server = await startTs2rtc({ door: camera.url });
      proxy = await startFakeHaProxy({ html: TEST_PAGE, cardFile: CARD_FILE, upstream: () => server.url });
      browser = await launchChromium({ args: ['--autoplay-policy=no-user-gesture-required'] });
      page = browser.page;
      await page.goto(proxy.url);
    });
    after(async () => {
      await browser?.stop();
      await proxy?.close();
      await server?.close();
      await camera?.stop();
    });

    it('media: video,audio,microphone (AlexxIT style): the camera records the beep well above silence', async (t) => {
      await addCard(page, 'mic', { url: 'door', mode: 'webrtc', media: 'video,audio,microphone', intersection: 0 }, [
        'ts2rtc',
      ]);
      const s = await waitCard(
        page,
        'mic',
        (x) => x.phase === 'playing' && x.microphone.available,
        20_000,
        'playing with a microphone',
      );
      assert.equal(s.microphone.on, true, "the microphone is live from the start, as in AlexxIT's card");
      const file = camera.backchannelFile;
      assert.ok(file && camera.backchannelFormat);
      const level = await waitFor(
        async () => {
          const l = await audioLevel(file, camera.backchannelFormat).catch(() => undefined);
          return l && l.seconds >= 2 ? l : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: 'backchannel audio in the camera file' },
      );
      t.diagnostic(`camera recorded ${level.rmsDb.toFixed(1)} dBFS RMS over ${level.seconds.toFixed(1)} s`);
      assert.ok(level.rmsDb > -40, `camera recorded ${level.rmsDb.toFixed(1)} dBFS RMS`);
      await page.evaluate(`document.getElementById('mic').parentElement.remove()`);
    });

    it('the button: a click toggles, a held press is push-to-talk (microphone_muted: true starts muted)', async () => {
      await addCard(
        page,
        'ptt',
        { url: 'door', mode: 'webrtc', media: 'video,audio,microphone', microphone_muted: true, intersection: 0 },
        ['ts2rtc'],
      );
      const s = await waitCard(
        page,
        'ptt',
        (x) => x.phase === 'playing' && x.microphone.available,
        20_000,
        'playing with a microphone',
      );
      assert.equal(s.microphone.on, false);
      const button = page.locator('#ptt .microphone');
      assert.equal(await button.getAttribute('aria-pressed'), 'false');
      await button.click();
      await waitCard(page, 'ptt', (x) => x.microphone.on, 2000, 'on after a click');
      assert.equal(await button.getAttribute('aria-pressed'), 'true');
      await button.click();
      await waitCard(page, 'ptt', (x) => !x.microphone.on, 2000, 'off after a second click');
      // Push-to-talk: on while held, off on release.
      await button.hover();
      await page.mouse.down();
      await waitCard(page, 'ptt', (x) => x.microphone.on, 2000, 'on while held');
      await page.waitForTimeout(600); // the user holds the button (longer than the 300 ms click limit)
      assert.equal((await cardStats(page, 'ptt')).microphone.on, true);
      await page.mouse.up();
      await waitCard(page, 'ptt', (x) => !x.microphone.on, 2000, 'off on release');
    });
  });
}
