import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigText } from '../../../addon/src/config/load.js';
import { createLogging } from '../../../addon/src/modules/log/index.js';
import { startServer, type Server } from '../../../addon/src/server.js';
import { countFrames } from '../../peers/ffmpeg.js';
import { freeTcpPort } from '../../peers/ports.js';
import { waitFor } from '../../helpers/wait.js';
import { startHttpCamera, type HttpCamera } from '../http-source/http-camera.js';

/**
 * Home Assistant's `.storage/core.config_entries` (a fixture written the way Home Assistant writes it: a
 * temporary file renamed over the old one) with generic cameras in both forms (options, older data) and a
 * paired HomeKit camera. The generic cameras point at a real camera over HTTP (ffmpeg MJPEG and snapshots),
 * and play to an RTSP reader. Editing the file adds and removes streams while the server runs.
 */
function entries(list: Array<{ domain: string; title: string; data?: object; options?: object }>): string {
  return JSON.stringify(
    {
      version: 1,
      minor_version: 5,
      key: 'core.config_entries',
      data: {
        entries: list.map((e, i) => ({ entry_id: `e${i}`, source: 'user', version: 1, data: {}, options: {}, ...e })),
      },
    },
    null,
    2,
  );
}

const HOMEKIT = {
  domain: 'homekit_controller',
  title: 'Doorbell',
  data: {
    iOSPairingId: 'ios-id',
    iOSDeviceLTSK: 'secret-ltsk',
    iOSDeviceLTPK: 'ltpk',
    AccessoryPairingID: 'AA:BB',
    AccessoryLTPK: 'devpub',
    AccessoryIP: '192.0.2.20',
    AccessoryPort: 51826,
  },
};

describe('hass: cameras from Home Assistant config entries', () => {
  let camera: HttpCamera;
  let server: Server;
  let api: string;
  let rtsp: number;
  let dir: string;
  const logs: string[] = [];

  const writeEntries = async (text: string): Promise<void> => {
    const file = path.join(dir, '.storage', 'core.config_entries');
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  };
  const streamNames = async (): Promise<string[]> =>
    Object.keys((await (await fetch(`${api}/api/streams`)).json()) as object).sort();
  const rtspUrl = (name: string): string => `rtsp://127.0.0.1:${rtsp}/${encodeURIComponent(name)}`;

  before(async () => {
    camera = await startHttpCamera();
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-hass-'));
    await mkdir(path.join(dir, '.storage'));
    await writeEntries(
      entries([
        {
          domain: 'generic',
          title: 'Front Door',
          options: { stream_source: `${camera.base}/video.mjpg`, still_image_url: `${camera.base}/snapshot.jpg` },
        },
        { domain: 'generic', title: 'Garage', data: { stream_source: `${camera.base}/snapshot.jpg` } },
        HOMEKIT,
        { domain: 'sun', title: 'Sun' },
      ]),
    );
    rtsp = await freeTcpPort();
    const config = loadConfigText(
      JSON.stringify({
        api: { listen: '127.0.0.1:0' },
        rtsp: { listen: `127.0.0.1:${rtsp}` },
        webrtc: { listen: '' },
        hass: { config: dir },
        streams: { linked: 'hass:Front Door', mine: `${camera.base}/video.mjpg` },
      }),
      { env: {} },
    ).config;
    const logging = createLogging({ ...config.log, level: 'debug' }, { write: (line: string) => void logs.push(line) });
    server = await startServer({
      config,
      logging,
      hub: { idleStopMs: 200, retryDelaysMs: [200] },
      tuning: { hass: { watchIntervalMs: 100 } },
    });
    api = `http://127.0.0.1:${server.addresses.http?.port ?? 0}`;
  });
  after(async () => {
    await server?.stop();
    await camera?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every generic and HomeKit camera is a stream named after its title', async () => {
    assert.deepEqual(await streamNames(), ['Doorbell', 'Front Door', 'Garage', 'linked', 'mine']);
    const one = (await (await fetch(`${api}/api/streams?src=${encodeURIComponent('Front Door')}`)).json()) as {
      producers: Array<{ url: string }>;
    };
    assert.deepEqual(
      one.producers.map((p) => p.url),
      ['hass:Front Door'],
    );
  });

  it("GET /api/hass lists them in go2rtc's shape, HomeKit pairing keys masked", async () => {
    const res = await fetch(`${api}/api/hass`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { sources: Array<{ name: string; url: string; location: string }> };
    assert.deepEqual(
      body.sources.map((s) => [s.name, s.url]),
      [
        ['Front Door', 'hass:Front Door'],
        ['Garage', 'hass:Garage'],
        ['Doorbell', 'hass:Doorbell'],
      ],
    );
    const homekit = body.sources.find((s) => s.name === 'Doorbell')?.location ?? '';
    assert.match(
      homekit,
      /^homekit:\/\/192\.0\.2\.20:51826\?client_id=ios-id&client_private=\*\*\*&device_id=AA:BB&device_public=devpub$/,
    );
    assert.ok(!JSON.stringify(body).includes('secret-ltsk'));
  });

  for (const [name, what] of [
    ['Front Door', 'options.stream_source (MJPEG)'],
    ['Garage', 'data.stream_source (JPEG snapshots)'],
    ['linked', 'a config stream hass:Front Door'],
  ] as const) {
    it(`${name}: ${what} plays to an RTSP reader`, async () => {
      const count = await countFrames(rtspUrl(name), { seconds: 2, fastProbe: false, firstFrameTimeoutMs: 20_000 });
      console.log(`${name}: ${count.frames} frames covering ${count.streamMs} ms`);
      assert.ok(
        count.frames >= 0.9 * (count.streamMs / 1000) * camera.fps && count.streamMs >= 1500,
        `${count.frames} frames over ${count.streamMs} ms`,
      );
    });
  }

  it('the HomeKit camera is listed and opens through the homekit source (its fixture keys are not real: a typed error)', async () => {
    await assert.rejects(countFrames(rtspUrl('Doorbell'), { seconds: 1, firstFrameTimeoutMs: 3000 }));
    const one = (await (await fetch(`${api}/api/streams?src=Doorbell`)).json()) as {
      producers: Array<{ error?: string }>;
    };
    assert.match(one.producers[0]?.error ?? '', /HAP_URL_INVALID: client_private/);
  });

  it('editing the file adds and removes streams without a restart', async () => {
    await writeEntries(
      entries([
        { domain: 'generic', title: 'Front Door', options: { stream_source: `${camera.base}/video.mjpg` } },
        { domain: 'generic', title: 'Porch', options: { stream_source: `${camera.base}/ffmpeg.mjpg` } },
        HOMEKIT,
      ]),
    );
    await waitFor(
      async () =>
        JSON.stringify(await streamNames()) === JSON.stringify(['Doorbell', 'Front Door', 'Porch', 'linked', 'mine']),
      { timeoutMs: 10_000, what: 'Porch added, Garage removed' },
    );
    const count = await countFrames(rtspUrl('Porch'), { seconds: 1, fastProbe: false, firstFrameTimeoutMs: 20_000 });
    assert.ok(count.frames > 10, `Porch: ${count.frames} frames`);
  });

  it('a malformed or missing file: a clear warning, every stream stays and plays', async () => {
    await writeEntries('{"data": {"entries": [ {"domain": "generic", ');
    await waitFor(() => logs.some((l) => l.includes('HASS_STORAGE_INVALID')), {
      timeoutMs: 10_000,
      what: 'the malformed-file warning',
    });
    await rm(path.join(dir, '.storage', 'core.config_entries'));
    await waitFor(() => logs.some((l) => l.includes('HASS_STORAGE_MISSING')), {
      timeoutMs: 10_000,
      what: 'the missing-file warning',
    });
    const warnings = logs.filter((l) => /HASS_STORAGE_(INVALID|MISSING)/.test(l));
    assert.ok(
      warnings.every((l) => l.includes('"level":40') || l.includes('WRN')),
      warnings.join('\n'),
    );
    assert.deepEqual(await streamNames(), ['Doorbell', 'Front Door', 'Porch', 'linked', 'mine']);
    const count = await countFrames(rtspUrl('mine'), { seconds: 1, fastProbe: false, firstFrameTimeoutMs: 20_000 });
    assert.ok(count.frames > 10);
    const front = await countFrames(rtspUrl('Front Door'), {
      seconds: 1,
      fastProbe: false,
      firstFrameTimeoutMs: 20_000,
    });
    assert.ok(front.frames > 10);
  });
});
