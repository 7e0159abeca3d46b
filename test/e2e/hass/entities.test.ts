import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfigText } from '../../../addon/src/config/load.js';
import { createLogging } from '../../../addon/src/modules/log/index.js';
import { startServer, type Server } from '../../../addon/src/server.js';
import { countFrames } from '../../peers/ffmpeg.js';
import { freeTcpPort } from '../../peers/ports.js';
import { waitFor } from '../../helpers/wait.js';
import { startHttpCamera, type HttpCamera } from '../http-source/http-camera.js';
import { startFakeHomeAssistant, type FakeHomeAssistant } from './fake-ha-websocket.js';

/**
 * `hass:camera.x`: a Home Assistant camera entity played through its HLS stream (`camera/stream`), against a
 * fake-ha-websocket (protocol-faithful auth and result ids; Home Assistant itself runs only in the Python
 * tests) whose HLS comes from a real ffmpeg (`-f hls`, MPEG-TS segments). Standalone (`hass.url` +
 * `hass.token`) and as the add-on (Supervisor token, Core WebSocket through the Supervisor).
 */
describe("hass: camera entities through Home Assistant's WebSocket", () => {
  let camera: HttpCamera;
  let ha: FakeHomeAssistant;
  const servers: Server[] = [];

  async function start(
    config: Record<string, unknown>,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ api: string; rtsp: (name: string) => string }> {
    const rtspPort = await freeTcpPort();
    const loaded = loadConfigText(
      JSON.stringify({
        api: { listen: '127.0.0.1:0' },
        rtsp: { listen: `127.0.0.1:${rtspPort}` },
        webrtc: { listen: '' },
        ...config,
      }),
      { env: {} },
    ).config;
    const server = await startServer({
      config: loaded,
      logging: createLogging({ ...loaded.log, level: 'error' }, null),
      hub: { idleStopMs: 200, retryDelaysMs: [200] },
      tuning: { hass: { env, supervisor: null } },
    });
    servers.push(server);
    return {
      api: `http://127.0.0.1:${server.addresses.http?.port ?? 0}`,
      rtsp: (name) => `rtsp://127.0.0.1:${rtspPort}/${encodeURIComponent(name)}`,
    };
  }

  before(async () => {
    camera = await startHttpCamera({ hls: ['hls-ts'] });
    ha = await startFakeHomeAssistant({
      token: 'long-lived-token',
      cameras: ['camera.front_door'],
      hlsBase: `${camera.base}/hls-ts`,
    });
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await ha?.stop();
    await camera?.stop();
  });

  it("standalone (hass.url + hass.token): hass:camera.front_door plays the entity's HLS to an RTSP reader", async () => {
    const server = await start({
      hass: { url: ha.url, token: ha.token },
      streams: { front: 'hass:camera.front_door' },
    });
    const count = await countFrames(server.rtsp('front'), {
      seconds: 4,
      fastProbe: false,
      firstFrameTimeoutMs: 30_000,
    });
    const expected = (count.streamMs / 1000) * camera.fps;
    console.log(
      `hass:camera.front_door: ${count.frames} frames covering ${count.streamMs} ms (expected ${expected.toFixed(0)})`,
    );
    assert.ok(
      count.streamMs >= 3000 && count.frames >= 0.9 * expected,
      `${count.frames} frames over ${count.streamMs} ms`,
    );
    assert.ok(ha.streamRequests.includes('camera.front_door'));
  });

  it('every open asks Home Assistant again (its links change); an unknown entity is HASS_ENTITY_FAILED', async () => {
    const server = await start({
      hass: { url: ha.url, token: ha.token },
      streams: { front: 'hass:camera.front_door', nope: 'hass:camera.nope' },
    });
    const before = ha.hlsTokens.length;
    await countFrames(server.rtsp('front'), { seconds: 1, fastProbe: false, firstFrameTimeoutMs: 30_000 });
    await waitFor(
      async () =>
        !(
          (await (await fetch(`${server.api}/api/streams?src=front`)).json()) as {
            producers: Array<{ bytes_recv?: number }>;
          }
        ).producers[0]?.bytes_recv,
      { timeoutMs: 10_000, what: 'the source stopped after the reader left' },
    );
    await countFrames(server.rtsp('front'), { seconds: 1, fastProbe: false, firstFrameTimeoutMs: 30_000 });
    assert.ok(ha.hlsTokens.length >= before + 2, `${ha.hlsTokens.length - before} camera/stream answers`);
    await assert.rejects(countFrames(server.rtsp('nope'), { seconds: 1, firstFrameTimeoutMs: 3000 }));
    const nope = (await (await fetch(`${server.api}/api/streams?src=nope`)).json()) as {
      producers: Array<{ error?: string }>;
    };
    assert.match(nope.producers[0]?.error ?? '', /HASS_ENTITY_FAILED: camera\.nope: camera\/stream: Camera not found/);
  });

  it('as the add-on (Supervisor token, ws://supervisor/core/websocket): a stream added over the API plays', async () => {
    const server = await start(
      {},
      { SUPERVISOR_TOKEN: ha.token, TS2RTC_SUPERVISOR_URL: ha.url, TS2RTC_HASS_HTTP: ha.url },
    );
    const res = await fetch(
      `${server.api}/api/streams?name=camera.front_door&src=${encodeURIComponent('hass:camera.front_door')}`,
      { method: 'PUT' },
    );
    assert.equal(res.status, 200, await res.text());
    const count = await countFrames(server.rtsp('camera.front_door'), {
      seconds: 2,
      fastProbe: false,
      firstFrameTimeoutMs: 30_000,
    });
    assert.ok(count.frames > 30, `${count.frames} frames`);
  });

  it('a refused token is HASS_API_UNAVAILABLE; other streams are unaffected', async () => {
    const server = await start({
      hass: { url: ha.url, token: 'wrong' },
      streams: { front: 'hass:camera.front_door', cam: `${camera.base}/video.mjpg` },
    });
    await assert.rejects(countFrames(server.rtsp('front'), { seconds: 1, firstFrameTimeoutMs: 3000 }));
    const front = (await (await fetch(`${server.api}/api/streams?src=front`)).json()) as {
      producers: Array<{ error?: string }>;
    };
    assert.match(front.producers[0]?.error ?? '', /HASS_API_UNAVAILABLE: .*auth_invalid/);
    const count = await countFrames(server.rtsp('cam'), { seconds: 1, fastProbe: false, firstFrameTimeoutMs: 20_000 });
    assert.ok(count.frames > 10);
  });
});
