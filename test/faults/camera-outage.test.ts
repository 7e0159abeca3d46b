import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTs2rtcChild, type Ts2rtcChild } from '../helpers/ts2rtc-child.js';
import { waitFor } from '../helpers/wait.js';
import { startGstCamera, type GstCamera } from '../peers/gst-camera.js';
import { freeTcpPort } from '../peers/ports.js';
import { resumedAfter, watchMse, watchRtsp, watchWebrtc, type Watching } from './viewers.js';

/**
 * A real camera (GStreamer's RTSP server) disappears in the middle of the stream (SIGKILL: no TEARDOWN, no
 * FIN from a clean exit) and comes back on the same port some seconds later, long enough for the reconnect
 * delays to reach their cap. The viewers of every protocol (RTSP reader, MSE, WebRTC) stay connected to the
 * built server the whole time and get media again within 3 s of the camera's return.
 * The in-process variant (the producer's own close event, a frozen camera) is test/e2e/rtsp-client/session.
 */

const OUTAGE_MS = 6000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the camera disappears mid-stream and returns', () => {
  let server: Ts2rtcChild;
  let camera: GstCamera | undefined;
  let port: number;
  const viewers: Watching[] = [];
  before(async () => {
    port = await freeTcpPort();
    camera = await startGstCamera({ video: 'h264', port });
    server = await startTs2rtcChild({ streams: { cam: camera.url } });
  });
  after(async () => {
    await Promise.all(viewers.map((v) => v.close()));
    await server?.stop();
    await camera?.stop();
  });

  it(`viewers keep their connections through a ${OUTAGE_MS / 1000} s outage and play again within 3 s of its end`, async () => {
    viewers.push(await watchRtsp(`rtsp://127.0.0.1:${server.rtspPort}/cam`));
    viewers.push(await watchMse(server.api, 'cam'));
    viewers.push(await watchWebrtc(server.api, 'cam'));
    await waitFor(() => viewers.every((v) => v.arrivals.length > 10), {
      timeoutMs: 15_000,
      what: 'every viewer playing',
    });

    process.kill(camera!.pid, 'SIGKILL');
    await camera!.stop();
    camera = undefined;
    await waitFor(async () => (await server.streams())['cam']?.producers?.[0]?.['error'] as string | undefined, {
      timeoutMs: 8000,
      what: 'the outage noticed',
    });
    await sleep(OUTAGE_MS);
    assert.deepEqual(
      viewers.filter((v) => !v.connected()).map((v) => v.name),
      [],
      'nobody was disconnected',
    );

    camera = await startGstCamera({ video: 'h264', port });
    const back = performance.now();
    const times = await Promise.all(viewers.map(async (v) => [v.name, await resumedAfter(v, back, 10_000)] as const));
    process.stderr.write(
      `camera outage: media again after ${times.map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(', ')}\n`,
    );
    for (const [name, ms] of times) assert.ok(ms < 3000, `${name}: ${ms.toFixed(0)} ms`);
    assert.deepEqual(
      viewers.filter((v) => !v.connected()).map((v) => v.name),
      [],
    );
    const consumers = (await server.streams())['cam']?.consumers ?? [];
    assert.equal(consumers.length, 3, 'the same three consumers');
  });
});
