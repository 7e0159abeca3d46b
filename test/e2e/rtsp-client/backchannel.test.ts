import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { audioLevel } from '../../peers/ffmpeg.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { waitFor } from '../../helpers/wait.js';
import { Microphone, producerJson, startApp, Viewer, type RtspTestApp } from './helpers.js';

async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}

/** Waits until the camera wrote `seconds` of 8 kHz G.711 it received, then measures its level. */
async function receivedLevel(camera: GstCamera, seconds: number): Promise<{ rmsDb: number; seconds: number }> {
  const file = camera.backchannelFile;
  assert.ok(file !== undefined);
  await waitFor(async () => (await fileSize(file)) >= seconds * 8000, {
    timeoutMs: seconds * 1000 + 8000,
    what: `${seconds} s of backchannel audio at the camera`,
  });
  return audioLevel(file, camera.backchannelFormat);
}

describe('RTSP client: ONVIF Profile T backchannel', () => {
  let app: RtspTestApp;
  const cameras: GstCamera[] = [];

  before(() => {
    app = startApp();
  });
  after(async () => {
    await app.stop();
    await Promise.all(cameras.map((c) => c.stop()));
  });

  for (const transport of ['tcp', 'udp'] as const) {
    it(`${transport}: a viewer, then a microphone: the camera's speaker gets the tone`, async () => {
      const camera = await startGstCamera({ video: 'h264', audio: 'pcmu', onvif: true, backchannel: 'pcmu' });
      cameras.push(camera);
      const url = transport === 'udp' ? `${camera.url}#transport=udp#backchannel=1` : camera.url;
      const stream = app.streams.set(`bc-${transport}`, [url], 'config');
      const viewer = new Viewer(['video']);
      await stream.addConsumer(viewer);
      await viewer.waitFor('video', 10);

      const mic = new Microphone();
      await stream.addConsumer(mic);
      mic.speak(0.25);
      const level = await receivedLevel(camera, 2);
      process.stderr.write(
        `backchannel ${transport}: ${level.seconds.toFixed(2)} s at ${level.rmsDb.toFixed(1)} dBFS (sent ${mic.sent} frames)\n`,
      );
      // A 0.25 full-scale sine is -15 dBFS RMS; silence in G.711 is below -70.
      assert.ok(level.rmsDb > -20 && level.rmsDb < -10, `level ${level.rmsDb} dBFS`);

      const json = producerJson(stream);
      assert.deepEqual(json['medias'], [
        'video, recvonly, H264',
        'audio, recvonly, PCMU/8000',
        'audio, sendonly, PCMU/8000',
      ]);
      const senders = json['senders'];
      assert.ok(Array.isArray(senders) && senders.length === 1, 'one backchannel sender');
      // The viewer kept (or got back) its video across the session the microphone needed.
      const before = viewer.of('video').length;
      await viewer.waitFor('video', before + 25);
      await mic.stop();
      await viewer.stop();
    });
  }

  it('a microphone alone: the session carries only the backchannel, and the tone arrives', async () => {
    const camera = await startGstCamera({ video: 'h264', onvif: true, backchannel: 'pcmu' });
    cameras.push(camera);
    const stream = app.streams.set('bc-only', [camera.url], 'config');
    const mic = new Microphone();
    await stream.addConsumer(mic);
    mic.speak(0.25);
    const level = await receivedLevel(camera, 2);
    process.stderr.write(`backchannel only: ${level.seconds.toFixed(2)} s at ${level.rmsDb.toFixed(1)} dBFS\n`);
    assert.ok(level.rmsDb > -20, `level ${level.rmsDb} dBFS`);
    assert.equal(producerJson(stream)['receivers'], undefined, 'no camera track was set up');
    await mic.stop();
  });

  it('#backchannel=0 (and, as in go2rtc, any other option without backchannel=1): no sendonly media', async () => {
    const camera = await startGstCamera({ video: 'h264', audio: 'pcmu', onvif: true });
    cameras.push(camera);
    for (const [suffix, expected] of [
      ['#backchannel=0', false],
      ['#timeout=10', false],
      ['#timeout=10#backchannel=1', true],
      ['', true],
    ] as const) {
      const name = `opt${suffix}`;
      const stream = app.streams.set(name, [camera.url + suffix], 'config');
      const viewer = new Viewer(['video']);
      await stream.addConsumer(viewer);
      const medias = producerJson(stream)['medias'];
      assert.ok(Array.isArray(medias));
      assert.equal(medias.includes('audio, sendonly, PCMU/8000'), expected, `${suffix}: ${medias.join('; ')}`);
      assert.equal(String(producerJson(stream)['sdp']).includes('a=sendonly'), expected);
      await viewer.stop();
      await app.streams.delete(name);
    }
  });

  it('a camera without the backchannel answers 551 to the Require header: played without it, on the same connection', async () => {
    const camera = await startGstCamera({ video: 'h264' });
    cameras.push(camera);
    const stream = app.streams.set('plain', [camera.url], 'config');
    const viewer = new Viewer(['video']);
    await stream.addConsumer(viewer);
    await viewer.waitFor('video', 10);
    assert.ok(
      app.logLines.some((l) => l.includes('DESCRIBE with the ONVIF backchannel failed') && l.includes('RTSP_551')),
    );
    const connects = camera
      .stderr()
      .split('\n')
      .filter((l) => l.includes('client connected')).length;
    assert.equal(connects, 1, 'one connection: DESCRIBE was asked again on it');
    await viewer.stop();
  });
});
