import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { countFrames } from '../../peers/ffmpeg.js';
import { startGstCamera, type CameraAudio, type GstCamera } from '../../peers/gst-camera.js';
import { state, waitState } from './player.js';
import { startMp4Server, type Mp4Server } from './setup.js';

/**
 * A GStreamer RTSP camera (H264 640x360 25 fps, key frame every second) with PCMU, AAC or Opus audio, read by
 * the RTSP client source and played as MSE in Chromium through our player, and as stream.mp4 in FFmpeg.
 */

const AUDIO: ReadonlyArray<readonly [CameraAudio, string]> = [
  ['pcmu', 'flac'],
  ['aac', 'mp4a.40.2'],
  ['opus', 'opus'],
];

describe('GStreamer camera → RTSP source → MSE', () => {
  const cameras = new Map<CameraAudio, GstCamera>();
  let server: Mp4Server;
  let chrome: ChromiumPeer;
  before(async () => {
    for (const [audio] of AUDIO) cameras.set(audio, await startGstCamera({ video: 'h264', audio }));
    const streams: Record<string, string> = {};
    for (const [audio, camera] of cameras) streams[`cam_${audio}`] = camera.url;
    server = await startMp4Server({ streams });
    chrome = await launchChromium({ viewport: PLAYER_VIEWPORT, args: ['--autoplay-policy=no-user-gesture-required'] });
  });
  after(async () => {
    await chrome?.stop();
    await server?.close();
    for (const camera of cameras.values()) await camera.stop();
  });

  for (const [audio, codec] of AUDIO) {
    it(`H264 + ${audio}: Chromium decodes ≥ 100 frames in 5 s and the ${codec} audio`, async (t) => {
      const page = await chrome.context.newPage();
      try {
        await page.goto(`${server.url}/stream.html?src=cam_${audio}&mode=mse`);
        const first = await waitState(page, (s) => s.firstFrameMs > 0, 20_000, 'first frame');
        const start = await state(page);
        await page.waitForTimeout(5000);
        const end = await state(page);
        const frames = end.frames - start.frames;
        t.diagnostic(
          `cam_${audio}: first frame ${first.firstFrameMs.toFixed(0)} ms after connect (camera connect included); ${frames} frames in 5 s; ` +
            `audio ${end.audioBytes - start.audioBytes} bytes decoded in 5 s; ${end.mime}`,
        );
        assert.equal(end.error, '');
        assert.ok(end.mime.includes(codec), end.mime);
        assert.ok(frames >= 100, `${frames} frames`);
        assert.ok(end.audioBytes > start.audioBytes, `audio: ${start.audioBytes} -> ${end.audioBytes}`);
      } finally {
        await page.close();
      }
    });
  }

  it('FFmpeg reads the camera as /api/stream.mp4 for 5 s without an error', async (t) => {
    const count = await countFrames(`${server.url}/api/stream.mp4?src=cam_aac`, { seconds: 5 });
    t.diagnostic(`stream.mp4: ${count.frames} frames in ${count.windowMs} ms, first after ${count.firstFrameMs} ms`);
    assert.equal(count.stderr.trim(), '');
    assert.ok(count.frames >= 5 * 25 - 5 && count.frames <= 5 * 25 + 30, `${count.frames} frames`);
  });
});
