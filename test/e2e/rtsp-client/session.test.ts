import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { RtspProducer } from '../../../addon/src/modules/rtsp/client/producer.js';
import { parseRtspSourceOptions } from '../../../addon/src/modules/rtsp/client/options.js';
import { parseSourceUrl } from '../../../addon/src/modules/streams/source-url.js';
import { waitFor } from '../../helpers/wait.js';
import { startGstCamera, type GstCamera } from '../../peers/gst-camera.js';
import { freeTcpPort } from '../../peers/ports.js';
import { countWindow, producerJson, startApp, Viewer, type RtspTestApp } from './helpers.js';

function requests(camera: GstCamera, method: string): number {
  return camera
    .stderr()
    .split('\n')
    .filter((l) => l.includes(`received a request ${method} `)).length;
}

describe('RTSP client: session life', () => {
  let app: RtspTestApp;
  const cameras: GstCamera[] = [];

  before(() => {
    app = startApp({ retryDelaysMs: [200] });
  });
  after(async () => {
    await app.stop();
    await Promise.all(cameras.map((c) => c.stop()));
  });

  it('keep-alive: OPTIONS with the session within the session timeout, media flowing throughout', async () => {
    // The camera logs every request it handles (GStreamer's rtspclient category at INFO).
    const camera = await startGstCamera({ video: 'h264', sessionTimeoutS: 3, env: { GST_DEBUG: 'rtspclient:4' } });
    cameras.push(camera);
    const stream = app.streams.set('keepalive', [`${camera.url}#transport=udp`], 'config');
    const viewer = new Viewer(['video']);
    await stream.addConsumer(viewer);
    // The camera logs a request once it has answered it, and its stderr reaches us later still on a busy machine
    // (a CI run read 0 here, then 1 PLAY at the end): count from the session's own PLAY.
    await waitFor(() => requests(camera, 'PLAY') >= 1, { what: "the camera's log of the first PLAY" });
    const playsBefore = requests(camera, 'PLAY');
    const window = await countWindow(viewer, 'video', 7000);
    // Session timeout 3 s → one OPTIONS every 1.5 s: 4 or 5 in 7 s, on the aggregate URL.
    const keepalives = requests(camera, 'OPTIONS') - 1;
    process.stderr.write(`keep-alive: ${keepalives} OPTIONS in 7 s, ${window.frames} frames\n`);
    assert.ok(keepalives >= 4, `${keepalives} keep-alive requests`);
    assert.ok(window.frames >= Math.ceil(175 * 0.95), `${window.frames} frames in 7 s`);
    assert.equal(requests(camera, 'PLAY'), playsBefore, 'one session throughout');
    await viewer.stop();
  });

  it('a track asked for after PLAY: a new session with both tracks; the first viewer keeps its video', async () => {
    const camera = await startGstCamera({ video: 'h264', audio: 'opus' });
    cameras.push(camera);
    const stream = app.streams.set('late', [camera.url], 'config');
    const video = new Viewer(['video']);
    await stream.addConsumer(video);
    await video.waitFor('video', 10);
    assert.equal((producerJson(stream)['receivers'] as unknown[]).length, 1);
    const audio = new Viewer(['audio']);
    await stream.addConsumer(audio);
    await audio.waitFor('audio', 50);
    const before = video.of('video').length;
    await video.waitFor('video', before + 25);
    assert.equal(audio.of('audio')[0]?.codec.name, 'OPUS');
    assert.equal((producerJson(stream)['receivers'] as unknown[]).length, 2);
    const connects = camera
      .stderr()
      .split('\n')
      .filter((l) => l.includes('client connected')).length;
    // Once seen with 4 in a loaded run (CPU budget 1.8): the camera's side of it, for the next time.
    assert.equal(connects, 2, `the late track took one new session; the camera said:\n${camera.stderr().slice(-3000)}`);
    await video.stop();
    await audio.stop();
  });

  it('the camera killed mid-stream: the producer closes with an error, the hub reconnects when it is back', async () => {
    const port = await freeTcpPort();
    let camera = await startGstCamera({ video: 'h264', port });
    cameras.push(camera);
    const stream = app.streams.set('killed', [camera.url], 'config');
    const viewer = new Viewer(['video']);
    await stream.addConsumer(viewer);
    await viewer.waitFor('video', 25);

    // The same camera opened directly, to see the producer's own close event.
    const options = parseRtspSourceOptions(parseSourceUrl(camera.url));
    const producer = await RtspProducer.open({ options, userAgent: 'ts2rtc-test', log: pino({ level: 'silent' }) });
    const media = producer.getMedias()[0];
    assert.ok(media);
    const receiver = producer.getTrack(media, media.codecs[0]!);
    const closed = new Promise<Error | undefined>((resolve) => producer.onClose.once(resolve));
    await producer.start();
    await waitFor(() => receiver.stats.packets >= 10, { what: 'direct producer frames' });

    process.kill(camera.pid, 'SIGKILL');
    await camera.stop();
    const error = await closed;
    assert.ok(error instanceof Error, 'onClose carries an error');
    assert.match(error.message, /closed the connection|ECONNRESET/);
    const error2 = await waitFor(() => producerJson(stream)['error'], {
      timeoutMs: 5000,
      what: 'the stream shows the failure',
    });
    process.stderr.write(`killed camera: producer closed with "${error.message}", stream shows "${String(error2)}"\n`);

    const frames = viewer.of('video').length;
    camera = await startGstCamera({ video: 'h264', port });
    cameras.push(camera);
    await viewer.waitFor('video', frames + 50, 15_000);
    assert.equal(stream.consumerCount, 1, 'the viewer waited through the outage');
    await waitFor(() => producerJson(stream)['error'] === undefined, { what: 'the error clears once playing again' });
    await viewer.stop();
  });

  it('a camera that stops sending (process frozen): RTSP_TIMEOUT after #timeout, then back', async () => {
    const camera = await startGstCamera({ video: 'h264' });
    cameras.push(camera);
    const stream = app.streams.set('frozen', [`${camera.url}#timeout=2`], 'config');
    const viewer = new Viewer(['video']);
    await stream.addConsumer(viewer);
    await viewer.waitFor('video', 25);
    process.kill(camera.pid, 'SIGSTOP');
    try {
      const started = performance.now();
      const error = await waitFor(() => producerJson(stream)['error'], { timeoutMs: 8000, what: 'a timeout error' });
      process.stderr.write(`frozen camera: "${String(error)}" after ${Math.round(performance.now() - started)} ms\n`);
      assert.match(String(error), /RTSP_TIMEOUT|no media for 2 s|no answer/);
    } finally {
      process.kill(camera.pid, 'SIGCONT');
    }
    const frames = viewer.of('video').length;
    await viewer.waitFor('video', frames + 25, 15_000);
    await viewer.stop();
  });
});
