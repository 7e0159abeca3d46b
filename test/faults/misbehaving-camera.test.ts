import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTs2rtcChild, type Ts2rtcChild } from '../helpers/ts2rtc-child.js';
import { waitFor } from '../helpers/wait.js';
import { startFakeRtspCamera, type FakeRtspCamera } from '../peers/fake_rtsp_camera.js';
import { arrivalsBetween, resumedAfter, watchMse, watchRtsp, type Watching } from './viewers.js';

/**
 * Cameras that misbehave, against the built server with its default reconnect timings: one that refuses
 * PLAY at once, one that flaps, one that answers slowly, one that stalls in the middle of a frame, one that
 * sends noise. Each time: the server keeps running and says what is wrong (a typed error in /api/streams),
 * retries with backoff (counted at the camera, never a hot loop), the waiting viewer keeps its socket, and
 * it plays again by itself once the camera behaves.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a misbehaving camera', () => {
  let server: Ts2rtcChild;
  const cameras: FakeRtspCamera[] = [];
  const viewers: Watching[] = [];
  before(async () => {
    server = await startTs2rtcChild({ streams: { demo: 'demo:' } });
  });
  after(async () => {
    await Promise.all(viewers.map((v) => v.close()));
    await server?.stop();
    await Promise.all(cameras.map((c) => c.stop()));
  });

  /** A stream on a fresh fake camera (added over the API, as a user would) and an MSE viewer on it. */
  async function watchCamera(
    name: string,
    mode: FakeRtspCamera['mode'],
    options: { timeout?: number; viewer?: 'mse' | 'rtsp' } = {},
  ) {
    const camera = await startFakeRtspCamera({ mode });
    cameras.push(camera);
    const src = options.timeout ? `${camera.url}#timeout=${options.timeout}` : camera.url;
    const res = await fetch(`${server.api}/api/streams?name=${name}&src=${encodeURIComponent(src)}`, { method: 'PUT' });
    assert.equal(res.status, 200);
    const viewer =
      options.viewer === 'rtsp'
        ? await watchRtsp(`rtsp://127.0.0.1:${server.rtspPort}/${name}`)
        : await watchMse(server.api, name);
    viewers.push(viewer);
    return { camera, viewer };
  }

  async function producerError(name: string): Promise<string | undefined> {
    const producer = (await server.streams())[name]?.producers?.[0];
    return typeof producer?.['error'] === 'string' ? producer['error'] : undefined;
  }

  it('refuses PLAY at once: retried with capped backoff, not in a loop; plays by itself when it accepts', async () => {
    // An RTSP reader waits as long as it takes (an MSE player is told MP4_NO_KEYFRAME after 10 s and falls
    // back, by design, and then nobody waits).
    const { camera, viewer } = await watchCamera('refuses', 'refuse-play', { viewer: 'rtsp' });
    await waitFor(() => camera.count('PLAY') > 0, { timeoutMs: 5000, what: 'the first PLAY' });
    const first = camera.requests.find((r) => r.method === 'PLAY')!.at;
    await sleep(11_000);
    const plays = camera.requests.filter((r) => r.method === 'PLAY').map((r) => r.at);
    const inWindow = plays.filter((t) => t - first < 10_000).length;
    const gaps = plays.slice(1).map((t, i) => t - plays[i]!);
    // Delays 250, 500, 1000 ms, then the 2 s cap: one attempt per (2 s + the attempt itself).
    const steady = gaps.slice(3);
    const perMinute = (60_000 / (steady.reduce((a, b) => a + b, 0) / steady.length)).toFixed(0);
    process.stderr.write(
      `refuse-play: ${inWindow} PLAY in the first 10 s, gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms → ${perMinute} attempts/min at the cap\n`,
    );
    assert.ok(inWindow >= 5 && inWindow <= 10, `${inWindow} attempts in 10 s`);
    assert.ok(steady.length >= 2 && steady.every((g) => g >= 1900), 'the cap is held');
    assert.match((await producerError('refuses')) ?? '', /503/);
    assert.ok(viewer.connected(), 'the viewer kept its socket');

    camera.mode = 'play';
    const healed = performance.now();
    const ms = await resumedAfter(viewer, healed, 5000);
    process.stderr.write(`refuse-play: playing ${ms.toFixed(0)} ms after the camera accepted PLAY again\n`);
    assert.ok(ms < 3000, `${ms} ms`);
  });

  it('flaps (plays five frames, hangs up): backs off like a failure, resumes when it stays', async () => {
    const { camera, viewer } = await watchCamera('flaps', 'flap');
    await sleep(8000);
    const plays = camera.count('PLAY');
    process.stderr.write(`flap: ${plays} sessions in 8 s\n`);
    // Without the backoff growing, a flapping camera was restarted every 250 ms + 200 ms of play: ~18 in 8 s.
    assert.ok(plays >= 3 && plays <= 8, `${plays} sessions in 8 s`);
    assert.ok(viewer.connected());
    camera.mode = 'play';
    const ms = await resumedAfter(viewer, performance.now() + 500, 5000);
    assert.ok(ms < 3000, `${ms} ms`);
  });

  it('answers slowly (1.5 s per answer): plays; slower than #timeout: a timeout error, retried', async () => {
    const { camera, viewer } = await watchCamera('slow', 'slow');
    camera.slowMs = 1500;
    await waitFor(() => viewer.arrivals.length > 0, { timeoutMs: 15_000, what: 'media from the slow camera' });
    const slow = await watchCamera('slower', 'slow', { timeout: 1 });
    slow.camera.slowMs = 3000;
    const error = await waitFor(() => producerError('slower'), { timeoutMs: 10_000, what: 'a timeout error' });
    assert.match(error, /no answer|timeout|RTSP_TIMEOUT/i);
    assert.ok(slow.viewer.connected());
    assert.equal((await fetch(`${server.api}/api`)).status, 200, 'the server answers');
  });

  it('stalls in the middle of a frame: the source times out and reconnects; the viewer resumes', async () => {
    const { camera, viewer } = await watchCamera('stalls', 'play', { timeout: 2 });
    await waitFor(() => viewer.arrivals.length > 10, { timeoutMs: 10_000, what: 'media' });
    camera.mode = 'stall';
    const stalledAt = performance.now();
    const error = await waitFor(() => producerError('stalls'), { timeoutMs: 8000, what: 'the stall noticed' });
    process.stderr.write(`stall: "${error}" after ${(performance.now() - stalledAt).toFixed(0)} ms\n`);
    assert.ok(viewer.connected());
    camera.mode = 'play';
    const healed = performance.now();
    const ms = await resumedAfter(viewer, healed, 6000);
    process.stderr.write(`stall: playing ${ms.toFixed(0)} ms after the camera recovered\n`);
    assert.ok(ms < 3000 + 2000, `${ms} ms (a session stalled when the camera recovered needs the 2 s #timeout first)`);
  });

  it('sends garbage instead of media: a typed error, no crash, the other streams keep their frame rate', async () => {
    const { camera, viewer } = await watchCamera('noise', 'play', { timeout: 2 });
    const demo = await watchMse(server.api, 'demo');
    viewers.push(demo);
    await waitFor(() => viewer.arrivals.length > 10 && demo.arrivals.length > 10, { timeoutMs: 10_000, what: 'media' });
    camera.mode = 'garbage';
    const from = performance.now();
    const error = await waitFor(() => producerError('noise'), { timeoutMs: 8000, what: 'the garbage noticed' });
    process.stderr.write(`garbage: "${error}"\n`);
    await sleep(2000);
    const demoFrames = arrivalsBetween(demo, from, performance.now());
    const seconds = (performance.now() - from) / 1000;
    // The demo sends a video and an audio fragment per frame: ≥ 25 per second.
    assert.ok(demoFrames >= 25 * seconds * 0.9, `demo: ${demoFrames} fragments in ${seconds.toFixed(1)} s`);
    assert.equal((await fetch(`${server.api}/api`)).status, 200);
    camera.mode = 'play';
    const ms = await resumedAfter(viewer, performance.now(), 6000);
    assert.ok(ms < 3000, `${ms} ms`);
    assert.ok(viewer.connected());
  });
});
