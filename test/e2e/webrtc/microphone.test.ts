import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeUlaw } from '../../../addon/src/pkg/pcm/g711.js';
import { launchChromium, PLAYER_VIEWPORT, type ChromiumPeer } from '../../peers/chromium.js';
import { netnsGuard } from '../../peers/netns.js';
import { waitFor } from '../../helpers/wait.js';
import { startWebrtcServer, type RunningWebrtc } from './helpers.js';

/** RMS of 16-bit samples, in dBFS. */
function levelDbfs(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  return 20 * Math.log10(Math.max(rms, 1) / 32768);
}

// The RTSP client (ONVIF backchannel) is another issue: until it lands, the camera's speaker is an in-process
// source with a sendonly audio media that records what the hub routes into it.
if (netnsGuard(import.meta.url)) {
  describe('browser microphone to a source backchannel', () => {
    let server: RunningWebrtc;
    let browser: ChromiumPeer;

    before(async () => {
      server = await startWebrtcServer({
        config: { streams: { pcmu: ['demo:', 'backchannel:PCMU/8000'], opus: ['demo:', 'backchannel:OPUS/48000/2'] } },
      });
      browser = await launchChromium({ viewport: PLAYER_VIEWPORT });
    });
    after(async () => {
      await browser?.stop();
      await server?.close();
    });

    it('PCMU: Chromium offers Opus first, the backchannel gets PCMU well above silence', async () => {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/webrtc.html?src=pcmu&media=video,audio,microphone`);
      const producer = await waitFor(() => server.backchannels.find((p) => p.codecs.some((c) => c.name === 'PCMU')), {
        timeoutMs: 10000,
        what: 'PCMU backchannel attached',
      });
      await waitFor(() => producer.frames.length >= 100, { timeoutMs: 10000, what: '100 PCMU frames (2 s)' });
      const audio = Buffer.concat(producer.frames.slice(20).map((f) => f.packet.payload));
      const level = levelDbfs(decodeUlaw(audio));
      // Chromium's fake microphone is a beep: tens of dB above the -90 dBFS of silence.
      assert.ok(level > -40, `backchannel level ${level.toFixed(1)} dBFS`);
      const offer = (server.app.streams.get('pcmu')?.toJSON().consumers ?? [])[0];
      assert.ok(
        offer?.medias?.some((m) => m.startsWith('audio, recvonly, OPUS')),
        'the browser offered Opus first',
      );
      process.stderr.write(`microphone PCMU: ${producer.frames.length} frames, level ${level.toFixed(1)} dBFS\n`);
      await page.close();
    });

    it('Opus: the backchannel gets Opus packets at 50 per second', async () => {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/webrtc.html?src=opus&media=video,audio,microphone`);
      const producer = await waitFor(() => server.backchannels.find((p) => p.codecs.some((c) => c.name === 'OPUS')), {
        timeoutMs: 10000,
        what: 'Opus backchannel attached',
      });
      await waitFor(() => producer.frames.length >= 150, { timeoutMs: 10000, what: '150 Opus frames' });
      const recent = producer.frames.slice(-100);
      const seconds = ((recent.at(-1)?.at ?? 0) - (recent[0]?.at ?? 0)) / 1000;
      const rate = (recent.length - 1) / seconds;
      assert.ok(rate > 40 && rate < 60, `Opus packets per second: ${rate.toFixed(1)}`);
      const ts = recent.map((f) => f.packet.timestamp);
      assert.ok(
        ts.every((t, i) => i === 0 || t > (ts[i - 1] ?? 0)),
        'timestamps grow',
      );
      process.stderr.write(`microphone Opus: ${rate.toFixed(1)} packets/s\n`);
      await page.close();
    });
  });
}
