import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { SupervisorDiscovery } from '../../../addon/src/modules/hass/index.js';
import { freeTcpPort } from '../../peers/ports.js';
import { waitFor } from '../../helpers/wait.js';
import { startFakeSupervisor, type FakeSupervisor } from './fake-supervisor.js';

/**
 * The add-on as the Supervisor starts it: addon/run.sh reads the options (config_file, log_level) and starts
 * the server in Home Assistant's config folder; the server announces itself through Supervisor discovery to a
 * fake_supervisor (no Supervisor can run here) and withdraws at stop. The server runs from source (tsx), with
 * the command line run.sh printed.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const RUN_SH = path.join(ROOT, 'addon/run.sh');
const MAIN_TS = path.join(ROOT, 'addon/src/main.ts');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');

describe('add-on: options through run.sh, Supervisor discovery', () => {
  let supervisor: FakeSupervisor;
  let tmp: string;
  before(async () => {
    supervisor = await startFakeSupervisor();
    tmp = mkdtempSync(path.join(tmpdir(), 'ts2rtc-addon-'));
  });
  after(async () => {
    await supervisor?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('starts with the options, announces {host, port, addon} and withdraws at stop', async () => {
    const addonConfig = path.join(tmp, 'addon_config');
    const haConfig = path.join(tmp, 'homeassistant');
    mkdirSync(addonConfig, { recursive: true });
    mkdirSync(path.join(haConfig, '.storage'), { recursive: true });
    // A generic camera in Home Assistant: the hass module finds it through the cwd run.sh sets.
    writeFileSync(
      path.join(haConfig, '.storage/core.config_entries'),
      JSON.stringify({
        data: { entries: [{ domain: 'generic', title: 'Yard', options: { stream_source: 'rtsp://192.0.2.1/yard' } }] },
      }),
    );
    const apiPort = await freeTcpPort();
    writeFileSync(
      path.join(addonConfig, 'mine.yaml'),
      `api:\n  listen: 127.0.0.1:${apiPort}\nrtsp:\n  listen: ""\nwebrtc:\n  listen: ""\nstreams:\n  cam: rtsp://192.0.2.2/cam\n`,
    );
    writeFileSync(path.join(tmp, 'options.json'), JSON.stringify({ config_file: 'mine.yaml', log_level: 'debug' }));
    const env = {
      ...process.env,
      NO_COLOR: '1',
      TS2RTC_OPTIONS: path.join(tmp, 'options.json'),
      TS2RTC_ADDON_CONFIG: addonConfig,
      TS2RTC_HA_CONFIG: haConfig,
      SUPERVISOR_TOKEN: supervisor.token,
      TS2RTC_SUPERVISOR_URL: supervisor.url,
    };
    const dry = spawnSync('sh', [RUN_SH], { encoding: 'utf8', env: { ...env, TS2RTC_DRY_RUN: '1' } });
    assert.equal(dry.status, 0, dry.stderr);
    const [cwdLine, node, , ...args] = dry.stdout.trimEnd().split('\n');
    assert.equal(cwdLine, `cwd=${haConfig}`);
    assert.equal(node, 'node');
    assert.deepEqual(args, ['-c', path.join(addonConfig, 'mine.yaml'), '-c', '{"log":{"level":"debug"}}']);

    const child = spawn(process.execPath, ['--import', TSX, MAIN_TS, ...args], {
      cwd: haConfig,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const port = Number(
        (
          await waitFor(() => /INF \[api\] listen addr=127\.0\.0\.1:(\d+)/.exec(out), {
            timeoutMs: 30_000,
            what: 'the listen line',
          })
        )[1],
      );
      // log_level: debug took effect.
      await waitFor(() => / DBG /.test(out), { timeoutMs: 10_000, what: 'debug lines' });
      await waitFor(() => supervisor.discoveries.size === 1, { timeoutMs: 10_000, what: 'the discovery' });
      const [discovery] = [...supervisor.discoveries.values()];
      assert.deepEqual(discovery, { service: 'ts2rtc', config: { host: 'local-ts2rtc', port, addon: 'ts2rtc' } });
      // The config file from the option, and Home Assistant's camera from the cwd's .storage.
      const streams = (await (await fetch(`http://127.0.0.1:${port}/api/streams`)).json()) as object;
      assert.deepEqual(Object.keys(streams).sort(), ['Yard', 'cam']);
    } finally {
      child.kill('SIGTERM');
      const code = await exited;
      assert.equal(code, 0, out.slice(-2000));
    }
    assert.equal(supervisor.discoveries.size, 0, `withdrawn at stop: ${supervisor.calls.join(', ')}`);
    assert.ok(
      supervisor.calls.some((c) => /^DELETE \/discovery\/[0-9a-f]+ 200$/.test(c)),
      supervisor.calls.join(', '),
    );
  });

  it('a Supervisor that refuses (wrong token) is a warning with a code, retried; the caller is never blocked', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const discovery = new SupervisorDiscovery({ url: supervisor.url, token: 'wrong' }, log, [20]);
    discovery.announce(1984);
    await waitFor(() => lines.filter((l) => l.includes('SUPERVISOR_DISCOVERY_FAILED')).length >= 2, {
      timeoutMs: 5000,
      what: 'two failed attempts',
    });
    await discovery.withdraw();
    const count = supervisor.calls.length;
    assert.ok(
      lines.some((l) => l.includes('401')),
      lines.join('\n'),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(supervisor.calls.length, count, 'no retries after withdraw');
    assert.equal(supervisor.discoveries.size, 0);
  });
});
