import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registerRtspSource } from '../../../addon/src/modules/rtsp/client/index.js';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { audioLevel } from '../../peers/ffmpeg.js';
import { startGstCamera, type BackchannelCodec, type GstCamera } from '../../peers/gst-camera.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { startWebrtcServer, type RunningWebrtc } from './helpers.js';

// Chromium's fake microphone → ts2rtc (WebRTC in, RTSP ONVIF backchannel out) → GStreamer's ONVIF camera, which
// decodes what it receives into a file whose level we measure.
if (netnsGuard(import.meta.url)) {
  describe('browser microphone to an ONVIF camera (GStreamer)', () => {
    let browser: ChromiumPeer;
    const cameras: GstCamera[] = [];
    const servers: RunningWebrtc[] = [];

    before(async () => {
      browser = await launchChromium({ viewport: PLAYER_VIEWPORT });
    });
    after(async () => {
      await browser?.stop();
      for (const server of servers) await server.close();
      for (const cam of cameras) await cam.stop();
    });

    for (const codec of ['pcmu', 'opus'] as const satisfies readonly BackchannelCodec[]) {
      it(`${codec}: the camera records the beep well above silence (Chromium offers Opus first)`, async () => {
        const cam = await startGstCamera({ video: 'h264', audio: 'pcmu', onvif: true, backchannel: codec });
        cameras.push(cam);
        const server = await startWebrtcServer({ beforeStart: (_api, app) => registerRtspSource(app) });
        servers.push(server);
        server.app.streams.set('door', [cam.url], 'config');
        const page = await browser.context.newPage();
        await page.goto(`${server.url}/webrtc.html?src=door&media=video,audio,microphone`);
        const file = cam.backchannelFile;
        assert.ok(file && cam.backchannelFormat);
        const level = await waitFor(
          async () => {
            const l = await audioLevel(file, cam.backchannelFormat).catch(() => undefined);
            return l && l.seconds >= 2 ? l : undefined;
          },
          { timeoutMs: 20000, intervalMs: 500, what: `${codec} audio in the camera file` },
        );
        const consumer = server.app.streams.get('door')?.toJSON().consumers?.[0];
        assert.ok(
          consumer?.medias?.some((m) => m.startsWith('audio, recvonly, OPUS')),
          'the browser offered Opus first',
        );
        assert.ok(
          level.rmsDb > -40,
          `camera recorded ${level.rmsDb.toFixed(1)} dBFS RMS over ${level.seconds.toFixed(1)} s`,
        );
        process.stderr.write(`onvif ${codec}: ${level.rmsDb.toFixed(1)} dBFS RMS over ${level.seconds.toFixed(1)} s\n`);
        await page.close();
      });
    }
  });
}
