import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { homekit } from '../../../addon/src/modules/homekit/index.js';
import { formatHomekitUrl, generateEd25519, pairWithPin } from '../../../addon/src/pkg/hap/index.js';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { audioLevel } from '../../peers/ffmpeg.js';
import { startHapCamera, type HapCamera } from '../../peers/hap-camera.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { READ_PLAYER_STATS, startWebrtcServer, type PagePlayerStats, type RunningWebrtc } from '../webrtc/helpers.js';

/**
 * Talk-back: Chromium's fake microphone → ts2rtc (WebRTC in) → SRTP Opus to the HAP-NodeJS camera's audio port
 * (its Speaker service), where ffmpeg decrypts it with the session's keys and writes what it hears to a file
 * whose level we measure. The camera is paired through pkg/hap; the browser plays its video at the same time.
 */
if (netnsGuard(import.meta.url)) {
  describe('homekit talk-back: browser microphone to a HAP-NodeJS camera', () => {
    let browser: ChromiumPeer;
    let camera: HapCamera;
    let server: RunningWebrtc;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-homekit-talk-'));
      browser = await launchChromium({ viewport: PLAYER_VIEWPORT });
      camera = await startHapCamera({
        storageDir: path.join(dir, 'hap'),
        env: { HAP_TALKBACK_FILE: path.join(dir, 'talkback.s16') },
      });
      server = await startWebrtcServer({ beforeStart: (_api, app) => void app.add(homekit) });
    });
    after(async () => {
      await browser?.stop();
      await server?.close();
      await camera?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('the camera hears the beep well above silence while the browser plays its video', async () => {
      const controller = { id: 'talkback-test', keys: generateEd25519() };
      const accessory = await pairWithPin('127.0.0.1', camera.port, camera.pin, controller);
      server.app.streams.set(
        'door',
        [formatHomekitUrl({ host: '127.0.0.1', port: camera.port, pairing: { controller, accessory } })],
        'config',
      );
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/webrtc.html?src=door&media=video,audio,microphone`);
      await camera.waitFor('TALKBACK_LISTEN', 30_000);
      // The fake microphone beeps now and then: wait until the file holds a beep, not just its silent start.
      let last: Awaited<ReturnType<typeof audioLevel>> | undefined;
      const level = await waitFor(
        async () => {
          last =
            (await audioLevel(path.join(dir, 'talkback.s16'), {
              format: 's16le',
              sampleRate: 16000,
              channels: 1,
            }).catch(() => undefined)) ?? last;
          return last && last.seconds >= 2 && last.rmsDb > -40 ? last : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500, what: 'talk-back audio in the camera file' },
      ).catch((err: unknown) => {
        throw new Error(
          `${String(err)}; last level ${last ? `${last.rmsDb.toFixed(1)} dBFS over ${last.seconds.toFixed(1)} s` : 'none (no file)'}`,
        );
      });
      const producer = server.app.streams.get('door')?.toJSON().producers?.[0];
      assert.ok(
        producer && 'medias' in producer && producer.medias?.includes('audio, sendonly, OPUS/48000/2'),
        JSON.stringify(producer),
      );
      assert.ok(
        level.rmsDb > -40,
        `camera heard ${level.rmsDb.toFixed(1)} dBFS RMS over ${level.seconds.toFixed(1)} s`,
      );
      // Both ways at once: the browser decodes the camera's H264 and Opus over WebRTC.
      const stats = await waitFor(
        async () => {
          const s = (await page.evaluate(READ_PLAYER_STATS)) as PagePlayerStats | null;
          return s && s.framesDecoded > 25 && s.audioPackets > 25 ? s : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 250, what: 'video frames and audio in the browser' },
      );
      assert.equal(stats.videoCodec.toLowerCase().includes('h264'), true, stats.videoCodec);
      process.stderr.write(
        `homekit talk-back: ${level.rmsDb.toFixed(1)} dBFS RMS over ${level.seconds.toFixed(1)} s; browser decoded ${stats.framesDecoded} frames, ${stats.audioPackets} audio packets (${stats.audioCodec})\n`,
      );
      await page.close();
    });
  });
}
