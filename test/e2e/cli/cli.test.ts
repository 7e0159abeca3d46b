import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../helpers/ports.js';
import { request } from '../../helpers/http.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';
import { runTs2rtc, waitForListen } from './ts2rtc-process.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-cli-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('ts2rtc command line', () => {
  it('--help lists every flag and --version names the go2rtc API version', async () => {
    const help = runTs2rtc(['--help'], { cwd: dir });
    assert.equal(await help.exited, 0);
    for (const flag of ['-c', '--config', '-v', '--version', '-h', '--help'])
      assert.ok(help.stdout().includes(flag), flag);
    const version = runTs2rtc(['-v'], { cwd: dir });
    assert.equal(await version.exited, 0);
    assert.match(version.stdout(), /^ts2rtc version \d+\.\d+\.\d+ \(go2rtc API 1\.9\.14\) linux\/x64\n$/);
    const bad = runTs2rtc(['--bogus'], { cwd: dir });
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /unknown flag --bogus/);
  });

  it('`npx ts2rtc` works from a fresh clone: the bin npm links at install time is committed, not built', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../addon/package.json', import.meta.url), 'utf8')) as {
      bin: Record<string, string>;
    };
    const bin = pkg.bin.ts2rtc;
    assert.ok(bin && !bin.startsWith('dist/'), `bin ${bin} must exist before npm run build`);
    const launcher = fileURLToPath(new URL(`../../../addon/${bin}`, import.meta.url));
    const version = spawnSync(process.execPath, [launcher, '-v'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^ts2rtc version /);
  });

  it('with no config serves the built-in demo stream and prints the line Home Assistant waits for', async () => {
    const port = await freePort();
    const proc = runTs2rtc(['-c', `api.listen=127.0.0.1:${port}`], { cwd: dir });
    try {
      await waitForListen(proc);
      assert.match(
        proc.stdout(),
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INF \\[api\\] listen addr=127\\.0\\.0\\.1:${port}$`, 'm'),
      );
      const info = await request(`http://127.0.0.1:${port}/api`);
      assert.equal((JSON.parse(info.text) as { version?: unknown }).version, '1.9.14');
      const streams: unknown = JSON.parse((await request(`http://127.0.0.1:${port}/api/streams`)).text);
      assert.deepEqual(streams, { demo: { producers: [{ url: 'demo:' }], consumers: null } });
    } finally {
      assert.equal(await proc.stop(), 0, 'SIGTERM ends the server cleanly');
    }
  });

  it('merges -c files, inline YAML and key=value in order, and reads ts2rtc.yaml by default', async () => {
    const port = await freePort();
    const file = path.join(dir, 'base.yaml');
    writeFileSync(file, `api:\n  listen: "127.0.0.1:1"\nstreams:\n  one: "demo:"\n`);
    const proc = runTs2rtc(['-c', file, '-c', 'streams:\n  two: "demo:"\n', '-c', `api.listen=127.0.0.1:${port}`], {
      cwd: dir,
    });
    try {
      await waitForListen(proc);
      const streams = JSON.parse((await request(`http://127.0.0.1:${port}/api/streams`)).text) as object;
      assert.deepEqual(Object.keys(streams).sort(), ['one', 'two']);
    } finally {
      await proc.stop();
    }

    const cwd = mkdtempSync(path.join(dir, 'default-'));
    const port2 = await freePort();
    writeFileSync(
      path.join(cwd, 'ts2rtc.yaml'),
      `api:\n  listen: "127.0.0.1:${port2}"\nrtsp:\n  listen: "127.0.0.1:0"\nwebrtc:\n  listen: ""\nstreams:\n  cam: "demo:"\n`,
    );
    const byDefault = runTs2rtc([], { cwd, defaultPorts: true });
    try {
      await waitForListen(byDefault);
      const streams = JSON.parse((await request(`http://127.0.0.1:${port2}/api/streams`)).text) as object;
      assert.deepEqual(Object.keys(streams), ['cam']);
      // The API writes to the file it read.
      const put = await request(`http://127.0.0.1:${port2}/api/streams?name=added&src=demo:`, { method: 'PUT' });
      assert.equal(put.status, 200);
      assert.match(readFileSync(path.join(cwd, 'ts2rtc.yaml'), 'utf8'), /added/);
    } finally {
      await byDefault.stop();
    }
  });

  it('exits non-zero before opening any port when a value has the wrong type, naming the key and line', async () => {
    const port = await freePort();
    const file = path.join(dir, 'wrong.yaml');
    writeFileSync(
      file,
      `streams:\n  cam: "demo:"\nrtsp:\n  listen:\n    - ":8554"\napi:\n  listen: "127.0.0.1:${port}"\n`,
    );
    // No port overrides here: they would replace the wrong value under test.
    const proc = runTs2rtc(['-c', file], { cwd: dir, defaultPorts: true });
    assert.equal(await withTimeout(proc.exited, 10_000, 'ts2rtc to refuse the config'), 1);
    assert.match(proc.stderr(), /wrong\.yaml:5:5: rtsp\.listen: /);
    assert.doesNotMatch(proc.stdout(), /listen addr=/);
    assert.equal(await canConnect(port), false);
  });

  it('only warns about an unknown key, with its line, and starts', async () => {
    const port = await freePort();
    const file = path.join(dir, 'newer.yaml');
    writeFileSync(
      file,
      `api:\n  listen: "127.0.0.1:${port}"\nfuture_module:\n  enabled: true\nstreams:\n  cam: "demo:"\n`,
    );
    const proc = runTs2rtc(['-c', file], { cwd: dir });
    try {
      await waitForListen(proc);
      assert.match(proc.stdout(), /WRN \[app\] .*future_module.* line=3/);
    } finally {
      await proc.stop();
    }
  });

  it('fails clearly when the API port is taken, and a second instance does not disturb the first', async () => {
    const port = await freePort();
    const first = runTs2rtc(['-c', `api.listen=127.0.0.1:${port}`], { cwd: dir });
    try {
      await waitForListen(first);
      const second = runTs2rtc(['-c', `api.listen=127.0.0.1:${port}`], { cwd: dir });
      assert.equal(await second.exited, 1);
      assert.match(second.stdout() + second.stderr(), /FTL .*API_LISTEN/);
      await waitFor(async () => (await request(`http://127.0.0.1:${port}/api`)).status === 200, {
        what: 'first still serving',
      });
    } finally {
      await first.stop();
    }
  });
});
