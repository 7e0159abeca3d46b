import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { loadConfig } from '../../../addon/src/config/load.js';
import { createLogging } from '../../../addon/src/modules/log/index.js';
import { startServer, type Server } from '../../../addon/src/server.js';
import { countFrames } from '../../peers/ffmpeg.js';
import { startHapCamera, type HapCamera } from '../../peers/hap-camera.js';
import { netnsGuard } from '../../peers/netns.js';
import { freeTcpPort } from '../../peers/ports.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * HomeKit end to end, against a real HomeKit camera: HAP-NodeJS with a `CameraController` whose delegate runs
 * ffmpeg to send SRTP (test/peers/hap-camera.peer.ts). Everything runs in a private network namespace, so the
 * accessory's mDNS answers stay on its loopback. The camera is discovered over mDNS through our API, paired
 * with its PIN, streamed to an RTSP reader (ffmpeg counting decoded frames), streamed again after a restart of
 * ts2rtc from the saved config, played through a Home Assistant `homekit_controller` entry holding the same
 * pairing, made to vanish mid-stream, and unpaired.
 */
const FPS = 25;

interface DiscoverySource {
  name: string;
  info: string;
  url: string;
  location: string;
}

if (netnsGuard(import.meta.url, { timeoutMs: 8 * 60 * 1000 })) {
  describe('homekit: a HAP-NodeJS camera', () => {
    let camera: HapCamera;
    let server: Server | undefined;
    let dir: string;
    let configFile: string;
    let rtspPort: number;
    const logs: string[] = [];

    const api = (): string => `http://127.0.0.1:${server?.addresses.http?.port ?? 0}`;
    const rtspUrl = (name: string): string => `rtsp://127.0.0.1:${rtspPort}/${encodeURIComponent(name)}`;
    const start = async (): Promise<void> => {
      const { config, writablePath } = loadConfig([configFile], { cwd: dir, env: {} });
      const logging = createLogging(
        { ...config.log, level: 'debug' },
        { write: (line: string) => void logs.push(line) },
      );
      server = await startServer({
        config,
        configPath: writablePath,
        logging,
        hub: { idleStopMs: 300, retryDelaysMs: [300, 600] },
      });
    };
    const discover = async (): Promise<DiscoverySource[]> => {
      const res = await fetch(`${api()}/api/discovery/homekit`);
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { sources: DiscoverySource[] }).sources;
    };
    const post = (query: Record<string, string>, method = 'POST'): Promise<Response> =>
      fetch(`${api()}/api/homekit?${new URLSearchParams(query).toString()}`, { method });
    /** Frames seen against frames the covered stream time holds (the camera sends FPS frames a second). */
    const frameRatio = async (
      name: string,
      seconds: number,
    ): Promise<{ frames: number; expected: number; ratio: number }> => {
      const count = await countFrames(rtspUrl(name), { seconds, firstFrameTimeoutMs: 30_000 });
      const expected = Math.round((count.streamMs * FPS) / 1000) + 1;
      return { frames: count.frames, expected, ratio: count.frames / expected };
    };

    // This file's failures have come under load only, and the test's own error cannot say what the source did
    // meanwhile: a failed test prints the server's log lines of its run (debug level; the last 200).
    let logsAtStart = 0;
    beforeEach(() => {
      logsAtStart = logs.length;
    });
    afterEach((t) => {
      // `passed` (Node 20.12+) is on a test's context, not in this @types/node's hook type.
      if (Reflect.get(t, 'passed') !== false) return;
      const lines = logs.slice(logsAtStart).slice(-200);
      console.log(`server log of "${t.name}" (${lines.length} lines):\n${lines.join('').trimEnd()}`);
    });

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-homekit-'));
      configFile = path.join(dir, 'ts2rtc.yaml');
      rtspPort = await freeTcpPort();
      await mkdir(path.join(dir, 'ha', '.storage'), { recursive: true });
      await writeFile(
        configFile,
        `api:\n  listen: 127.0.0.1:0\nrtsp:\n  listen: 127.0.0.1:${rtspPort}\nwebrtc:\n  listen: ""\nhass:\n  config: ${path.join(dir, 'ha')}\nstreams:\n  other: "demo:"\n`,
      );
      camera = await startHapCamera({ storageDir: path.join(dir, 'hap'), pin: '031-45-154' });
      await start();
    });
    after(async () => {
      await server?.stop();
      await camera?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    let discovered: DiscoverySource;

    it('discovers the camera over mDNS as an unpaired HomeKit source', async () => {
      const sources = await discover();
      const found = sources.find((s) => s.url.includes(`device_id=${camera.username}`));
      assert.ok(found, JSON.stringify(sources));
      assert.equal(found.url, `homekit://127.0.0.1:${camera.port}?device_id=${camera.username}&feature=0&status=1`);
      assert.equal(found.info, 'Default-Model');
      assert.equal(found.location, ' ');
      assert.match(found.name, /^ts2rtc test camera/);
      discovered = found;
    });

    it('refuses a wrong PIN with HAP_PAIR_WRONG_PIN and saves nothing', async () => {
      const res = await post({ id: 'door', src: discovered.url, pin: '111-22-333' });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { code: string; error: string };
      assert.equal(body.code, 'HAP_PAIR_WRONG_PIN');
      assert.doesNotMatch(await readFile(configFile, 'utf8'), /door/);
      assert.equal((await fetch(`${api()}/api/streams?src=door`)).status, 404);
    });

    it('pairs with the PIN and saves the paired URL to the config file', async () => {
      const res = await post({ id: 'door', src: discovered.url, pin: camera.pin });
      assert.equal(res.status, 200, await res.clone().text());
      const saved = await readFile(configFile, 'utf8');
      assert.match(
        saved,
        new RegExp(
          `door: homekit://127\\.0\\.0\\.1:${camera.port}\\?client_id=[0-9A-F-]{36}&client_private=[0-9a-f]{128}&device_id=${camera.username}&device_public=[0-9a-f]{64}`,
        ),
      );
      // The accessory now says it is paired (sf=0), and discovery names the stream that holds the pairing.
      const again = await waitFor(
        async () => (await discover()).find((s) => s.url.includes('status=0') && s.location === 'door'),
        { timeoutMs: 15_000, intervalMs: 200, what: 'discovery with status=0' },
      );
      assert.ok(again);
    });

    it('refuses to pair an accessory that is already paired (HAP_PAIR_ALREADY_PAIRED)', async () => {
      const res = await post({ id: 'door2', src: discovered.url, pin: camera.pin });
      assert.equal(res.status, 409);
      assert.equal(((await res.json()) as { code: string }).code, 'HAP_PAIR_ALREADY_PAIRED');
      assert.equal((await fetch(`${api()}/api/streams?src=door2`)).status, 404);
    });

    it('streams the camera to an RTSP reader: at least 90 % of the frames', async () => {
      const result = await frameRatio('door', 4);
      console.log(`homekit: ${result.frames} frames of ${result.expected} (${(result.ratio * 100).toFixed(1)} %)`);
      assert.ok(result.ratio >= 0.9, JSON.stringify(result));
      const started = await camera.waitFor('START');
      assert.match(started.join(' '), /640x360@25 pt=99 audio=OPUS\/16/);
      // The reader left: the producer ends the camera's session (STOP) and lets go of the connection.
      await camera.waitFor('STOP');
    });

    it('after a restart the saved URL streams again without pairing', async () => {
      await server?.stop();
      server = undefined;
      await start();
      const result = await frameRatio('door', 3);
      console.log(`homekit after restart: ${result.frames} frames of ${result.expected}`);
      assert.ok(result.ratio >= 0.9, JSON.stringify(result));
    });

    it("plays as hass:<title> from Home Assistant's homekit_controller entry with the same pairing", async () => {
      const saved = /door: (homekit:\/\/\S+)/.exec(await readFile(configFile, 'utf8'));
      assert.ok(saved);
      const url = new URL(saved[1]!.replace('homekit://', 'http://'));
      const q = url.searchParams;
      const entry = {
        entry_id: 'hk1',
        domain: 'homekit_controller',
        title: 'Porch Camera',
        source: 'zeroconf',
        data: {
          AccessoryPairingID: q.get('device_id'),
          AccessoryLTPK: q.get('device_public'),
          iOSPairingId: q.get('client_id'),
          iOSDeviceLTSK: q.get('client_private')!.slice(0, 64),
          iOSDeviceLTPK: q.get('client_private')!.slice(64),
          AccessoryIP: '127.0.0.1',
          AccessoryPort: camera.port,
          Connection: 'IP',
        },
        options: {},
      };
      await writeFile(
        path.join(dir, 'ha', '.storage', 'core.config_entries'),
        JSON.stringify({ version: 1, minor_version: 5, key: 'core.config_entries', data: { entries: [entry] } }),
      );
      await waitFor(
        async () => (await fetch(`${api()}/api/streams?src=${encodeURIComponent('Porch Camera')}`)).status === 200,
        { timeoutMs: 10_000, intervalMs: 100, what: 'hass stream' },
      );
      const result = await frameRatio('Porch Camera', 2);
      assert.ok(result.ratio >= 0.9, JSON.stringify(result));
    });

    it('a third stream while the camera serves two: HOMEKIT_BUSY, the two keep playing', async () => {
      const saved = /door: (homekit:\/\/\S+)/.exec(await readFile(configFile, 'utf8'));
      assert.ok(saved && server);
      server.app.streams.set('third', [saved[1]!], 'api');
      const packets = async (name: string): Promise<number> => {
        const json = (await (await fetch(`${api()}/api/streams?src=${encodeURIComponent(name)}`)).json()) as {
          producers?: Array<{ receivers?: Array<{ packets?: number }> }>;
        };
        return json.producers?.[0]?.receivers?.[0]?.packets ?? 0;
      };
      const readers = ['door', 'Porch Camera'].map((name) =>
        countFrames(rtspUrl(name), { seconds: 6, firstFrameTimeoutMs: 30_000 }),
      );
      await waitFor(async () => (await packets('door')) > 10 && (await packets('Porch Camera')) > 10, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'two streams flowing',
      });
      await assert.rejects(countFrames(rtspUrl('third'), { seconds: 1, firstFrameTimeoutMs: 3000 }));
      const json = (await (await fetch(`${api()}/api/streams?src=third`)).json()) as {
        producers?: Array<{ error?: string }>;
      };
      assert.match(json.producers?.[0]?.error ?? '', /^HOMEKIT_BUSY: all 2 streams of the camera are in use/);
      for (const count of await Promise.all(readers))
        assert.ok(
          count.frames >= 0.9 * ((count.streamMs * FPS) / 1000),
          `${count.frames} frames over ${count.streamMs} ms`,
        );
      await server.app.streams.delete('third');
      // Both sessions ended on the camera before the next test takes it.
      await camera.waitFor('STOP');
      await camera.waitFor('STOP');
    });

    it('the accessory vanishing mid-stream is a clear error, no crash, and its sockets are released', async () => {
      const udpBefore = process.getActiveResourcesInfo().filter((r) => r === 'UDPWRAP').length;
      const read = (): Promise<unknown> =>
        countFrames(rtspUrl('door'), { seconds: 60, firstFrameTimeoutMs: 30_000 }).catch((err: unknown) => {
          // Says whether the camera itself was gone before this test (seen intermittently under load; see the report).
          throw new Error(`${String(err)}; hap-camera ${camera.process.describeExit()}`);
        });
      let reading = read();
      const doorPackets = async (): Promise<number> => {
        const json = (await (await fetch(`${api()}/api/streams?src=door`)).json()) as {
          producers?: Array<{ receivers?: Array<{ packets?: number }> }>;
        };
        return json.producers?.[0]?.receivers?.[0]?.packets ?? 0;
      };
      // This reader's session on the camera first: the previous test's producer can still show its packets, and
      // killing the camera before the session started failed the reader's DESCRIBE (503) instead (seen when fast).
      // The camera marks a stream available again a moment after its STOP line, so on a loaded machine a reader
      // that comes first is refused (HOMEKIT_BUSY, 503; once in CI): read again until the camera starts a session.
      const started = camera.waitFor('START', 30_000);
      for (;;) {
        const outcome = await Promise.race([
          started.then(() => 'started' as const),
          reading.then(
            () => 'ended' as const,
            () => 'refused' as const,
          ),
        ]);
        if (outcome === 'started') break;
        await new Promise((resolve) => setTimeout(resolve, 500));
        reading = read();
      }
      const base = await doorPackets();
      await waitFor(async () => (await doorPackets()) > base + 10, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'packets flowing',
      });
      await camera.kill();
      // What a user sees: the source's error in /api/streams, with its code.
      const error = await waitFor(
        async () => {
          const json = (await (await fetch(`${api()}/api/streams?src=door`)).json()) as {
            producers?: Array<{ error?: string }>;
          };
          return json.producers?.[0]?.error;
        },
        { timeoutMs: 15_000, intervalMs: 100, what: 'the source error in /api/streams' },
      );
      assert.match(error, /^(HAP_CONNECTION_CLOSED|HOMEKIT_NO_MEDIA): /);
      assert.ok(logs.some((l) => /homekit: stream ended/.test(l) && /HAP_CONNECTION_CLOSED|HOMEKIT_NO_MEDIA/.test(l)));
      // The server still answers, and the other stream still plays.
      assert.equal((await fetch(`${api()}/api/streams`)).status, 200);
      const other = await countFrames(rtspUrl('other'), { seconds: 1 });
      assert.ok(other.frames > 0);
      // The reader ends when its source is gone for good; meanwhile the producer's UDP sockets are closed.
      await waitFor(() => process.getActiveResourcesInfo().filter((r) => r === 'UDPWRAP').length <= udpBefore, {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: 'UDP sockets released',
      });
      await server?.stop();
      server = undefined;
      await reading.catch(() => undefined);
      // Bring the camera back (same pairings) and the server, for the unpair test.
      camera = await startHapCamera({ storageDir: camera.storageDir, port: camera.port, pin: camera.pin });
      await start();
    });

    it('DELETE /api/homekit unpairs the accessory and removes the stream from the config', async () => {
      const res = await post({ id: 'door' }, 'DELETE');
      assert.equal(res.status, 200, await res.clone().text());
      assert.doesNotMatch(await readFile(configFile, 'utf8'), /door:/);
      assert.equal((await fetch(`${api()}/api/streams?src=door`)).status, 404);
      // Unpaired: the accessory advertises sf=1 again, and pairs anew with its PIN.
      await waitFor(async () => (await discover()).find((s) => s.url.includes('status=1')), {
        timeoutMs: 15_000,
        intervalMs: 200,
        what: 'status=1 again',
      });
      const missing = await post({ id: 'nothing' }, 'DELETE');
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { code: string }).code, 'HOMEKIT_STREAM_NOT_FOUND');
    });
  });
}
