import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { publishTestStream } from '../../peers/ffmpeg.js';
import { startNginxRtmp } from '../../peers/nginx-rtmp.js';
import { state, waitState } from '../mp4/player.js';
import { startTs2rtc } from './harness.js';

/**
 * Headless Chromium plays an RTMP source through MSE (our player page, `stream.html?src=…&mode=mse`):
 * nginx-rtmp fed by ffmpeg (H264 + AAC) → ts2rtc `rtmp://` source → fMP4 over the WebSocket → frames and AAC
 * decoded by the browser. (WebRTC in Chromium needs a private network namespace here; the WebRTC module's
 * tests cover that path for any H264 source.)
 */
const FPS = 25;
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('Chromium plays an rtmp:// source', () => {
  it('MSE: ≥ 95 % of the frames over 5 s, AAC decoded', async (t) => {
    const nginx = await startNginxRtmp();
    cleanups.push(() => nginx.stop());
    const publisher = await publishTestStream(nginx.url('x'), { video: 'h264', audio: 'aac', fps: FPS });
    cleanups.push(() => publisher.stop());
    const server = await startTs2rtc({ cam: nginx.url('x') });
    cleanups.push(() => server.stop());
    const chrome: ChromiumPeer = await launchChromium({
      viewport: PLAYER_VIEWPORT,
      args: ['--autoplay-policy=no-user-gesture-required'],
    });
    cleanups.push(() => chrome.stop());
    const page = await chrome.context.newPage();
    await page.goto(`${server.apiUrl}/stream.html?src=cam&mode=mse`);
    const first = await waitState(page, (s) => s.firstFrameMs > 0, 20_000, 'first frame');
    await waitState(page, (s) => s.frames > 10, 20_000, 'playing');
    const start = await state(page);
    const t0 = Date.now();
    await waitState(page, () => Date.now() - t0 >= 5000, 10_000, '5 s of playback');
    const end = await state(page);
    const seconds = (Date.now() - t0) / 1000;
    const frames = end.frames - start.frames;
    t.diagnostic(
      `first frame ${first.firstFrameMs.toFixed(0)} ms; ${frames} frames in ${seconds.toFixed(1)} s (${end.dropped} dropped); audio ${end.audioBytes} bytes; ${end.mime}`,
    );
    assert.equal(end.error, '');
    assert.ok(end.mime.includes('avc1') && end.mime.includes('mp4a.40.2'), end.mime);
    assert.ok(frames >= 0.95 * FPS * 5, `${frames} frames in ${seconds.toFixed(1)} s`);
    assert.ok(end.audioBytes > start.audioBytes, `AAC decoded: ${start.audioBytes} -> ${end.audioBytes}`);
    await page.close();
  });
});
