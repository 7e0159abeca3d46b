import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request } from '../../helpers/http.js';

/** `1.9.14`, `1.9.14+dev.abc` → [1, 9, 14]: what HA's AwesomeVersion compares. */
function versionTuple(version: string): number[] {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  assert.ok(match, `version ${version} is not x.y.z`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

describe('GET /api and the web UI', () => {
  let server: RunningApi;
  before(async () => {
    server = await startApi();
  });
  after(() => server.close());

  it('answers app info with a version HA accepts and the Host header', async () => {
    const res = await request(`${server.url}/api`, { headers: { Host: 'camera.local:1984' } });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const info = res.json();
    assert.ok(info && typeof info === 'object');
    const { version, host, revision } = info as Record<string, unknown>;
    assert.equal(typeof version, 'string');
    const tuple = versionTuple(String(version));
    assert.ok(
      compare(tuple, [1, 9, 13]) >= 0 && compare(tuple, [2, 0, 0]) < 0,
      `version ${String(version)} in [1.9.13, 2.0.0)`,
    );
    assert.equal(host, 'camera.local:1984');
    assert.equal(typeof revision, 'string');
  });

  it('answers /api for any method, as go2rtc does', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await request(`${server.url}/api`, { method });
      assert.equal(res.status, 200, method);
      assert.equal((res.json() as { version: string }).version, '1.9.14');
    }
  });

  it('lets other modules add info keys, but not version or host', async () => {
    server.api.setInfo('rtsp', { listen: ':8554', default_query: 'video&audio' });
    const info = (await request(`${server.url}/api`)).json() as Record<string, unknown>;
    assert.deepEqual(info.rtsp, { listen: ':8554', default_query: 'video&audio' });
    assert.throws(() => server.api.setInfo('version', '0'), /reserved/);
  });

  it('HEAD / and GET / answer 2xx with the UI (the WebRTC card probes HEAD /)', async () => {
    const head = await request(`${server.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.match(String(head.headers['content-type']), /^text\/html/);
    assert.equal(head.body.length, 0);
    const get = await request(`${server.url}/`);
    assert.equal(get.status, 200);
    assert.match(get.text, /<title>ts2rtc<\/title>/);
    // All UI URLs are relative, so the page works under base_path and Ingress.
    assert.doesNotMatch(get.text, /(href|src)="\//);
    const js = await request(`${server.url}/main.js`);
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.doesNotMatch(js.text, /fetch\(['`"]\//, 'no absolute fetch URLs');
  });

  it('answers unknown API paths with a JSON 404 and never serves files outside www', async () => {
    const res = await request(`${server.url}/api/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), { error: 'not found: /api/nope', code: 'NOT_FOUND' });
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%00']) {
      const r = await request(`${server.url}${p}`);
      assert.equal(r.status, 404, p);
    }
  });

  it('refuses methods a route does not take with 405 and Allow', async () => {
    const res = await request(`${server.url}/api/schemes`, { method: 'DELETE' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
    assert.equal((res.json() as { code: string }).code, 'METHOD_NOT_ALLOWED');
  });
});

describe('listeners', () => {
  it('logs "listen addr=<listen>" at info on the api logger once listening', async () => {
    const lines: string[] = [];
    const server = await startApi({ logLines: lines });
    try {
      const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const listen = entries.find((e) => e.msg === 'listen');
      assert.ok(listen, 'listen line logged');
      assert.equal(listen.module, 'api');
      assert.equal(listen.addr, '127.0.0.1:0');
      assert.equal(listen.level, 30);
    } finally {
      await server.close();
    }
  });

  it('opens no port at all with listen: ""', async () => {
    // Find a port that is free now, configure nothing, and check nobody listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    assert.ok(address && typeof address === 'object');
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const server = await startApi({ api: { listen: '' } });
    try {
      assert.deepEqual(server.addresses, {});
      assert.equal(server.api.port, undefined);
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(address.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });
      assert.equal(refused, true);
    } finally {
      await server.close();
    }
  });

  it('fails start with API_LISTEN_FAILED when the port is taken', async () => {
    const first = await startApi();
    try {
      await assert.rejects(startApi({ api: { listen: `127.0.0.1:${first.api.port}` } }), (err: unknown) => {
        assert.equal((err as { code?: string }).code, 'API_LISTEN_FAILED');
        assert.match((err as Error).message, /EADDRINUSE/);
        return true;
      });
    } finally {
      await first.close();
    }
  });

  it('serves on unix_listen, and logs its listen line (HA managed mode has listen: "")', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-api-'));
    const socketPath = path.join(dir, 'api.sock');
    const lines: string[] = [];
    // A stale socket file from a crashed run must not block the next start.
    const stale = createServer();
    await new Promise<void>((resolve) => stale.listen(socketPath, resolve));
    stale.close();
    const server = await startApi({ api: { listen: '', unix_listen: socketPath }, logLines: lines });
    try {
      assert.equal(server.addresses.unix, socketPath);
      assert.ok(lines.some((l) => l.includes('"msg":"listen"') && l.includes(socketPath)));
      const res = await request('http://localhost:11984/api', { socketPath, headers: { Host: 'localhost:11984' } });
      assert.equal(res.status, 200);
      assert.equal((res.json() as { host: string }).host, 'localhost:11984');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to replace a regular file at unix_listen', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-api-'));
    const file = path.join(dir, 'not-a-socket');
    await writeFile(file, 'keep me');
    try {
      await assert.rejects(startApi({ api: { listen: '', unix_listen: file } }), { code: 'API_LISTEN_FAILED' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('base_path', () => {
  let server: RunningApi;
  before(async () => {
    server = await startApi({ api: { base_path: '/x' } });
  });
  after(() => server.close());

  it('serves the API and UI under the prefix only', async () => {
    assert.equal((await request(`${server.url}/x/api`)).status, 200);
    assert.equal((await request(`${server.url}/x/api/streams`)).status, 200);
    assert.equal((await request(`${server.url}/x/`)).status, 200);
    assert.equal((await request(`${server.url}/x/`, { method: 'HEAD' })).status, 200);
    assert.equal((await request(`${server.url}/api`)).status, 404);
    assert.equal((await request(`${server.url}/api/streams`)).status, 404);
    assert.equal((await request(`${server.url}/`)).status, 404);
  });

  it('redirects /x to /x/ so relative links resolve', async () => {
    const res = await request(`${server.url}/x`);
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, '/x/');
  });

  it('keeps the RTSPtoWeb shims at the root', async () => {
    assert.equal((await request(`${server.url}/streams`)).status, 200);
    assert.equal((await request(`${server.url}/x/streams`)).status, 404);
  });
});

describe('static_dir and allow_paths', () => {
  it('serves static_dir instead of the built-in UI', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-www-'));
    await writeFile(path.join(dir, 'index.html'), '<p>custom</p>');
    const server = await startApi({ api: { static_dir: dir } });
    try {
      const res = await request(`${server.url}/`);
      assert.equal(res.status, 200);
      assert.equal(res.text, '<p>custom</p>');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('registers only the listed paths (Home Assistant managed config)', async () => {
    const server = await startApi({ api: { allow_paths: ['/', '/api', '/api/streams', '/api/ws'] } });
    try {
      assert.equal((await request(`${server.url}/api`)).status, 200);
      assert.equal((await request(`${server.url}/api/streams`)).status, 200);
      assert.equal((await request(`${server.url}/`, { method: 'HEAD' })).status, 200);
      assert.equal((await request(`${server.url}/api/config`)).status, 404);
      assert.equal((await request(`${server.url}/api/schemes`)).status, 404);
      assert.equal((await request(`${server.url}/streams`)).status, 404);
      assert.equal(
        server.api.addRoute('GET', 'api/frame.jpeg', () => {}),
        false,
      );
    } finally {
      await server.close();
    }
  });
});
