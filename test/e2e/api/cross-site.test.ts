import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MemoryLog } from '../../../addon/src/modules/api/index.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request, type HttpResponse } from '../../helpers/http.js';

/**
 * go2rtc's CVE-2024-29192 in kind: a page on any web site the user visits sends a "simple" request (no CORS
 * preflight) to the server on localhost and rewrites its config. Every state-changing endpoint must refuse
 * it, and the refusal must leave no trace (config file, streams, process).
 */

interface Json {
  [key: string]: unknown;
}

const CONFIG = '# cameras\nstreams:\n  cam: test:cam\n';
const EVIL_CONFIG = 'streams:\n  x: "exec:touch /tmp/pwned"\n';

/** What a browser adds to a cross-site no-cors fetch or form post (Chromium 156, Firefox ESR). */
const MODERN_CROSS_SITE = {
  Origin: 'http://evil.example',
  'Sec-Fetch-Site': 'cross-site',
  'Sec-Fetch-Mode': 'no-cors',
};

/** Every state-changing endpoint, as a simple request: POST with text/plain, or the method it needs. */
const WRITES: ReadonlyArray<{ method: string; path: string; body?: string; type?: string }> = [
  { method: 'POST', path: '/api/config', body: EVIL_CONFIG, type: 'text/plain' },
  { method: 'PATCH', path: '/api/config', body: EVIL_CONFIG, type: 'text/plain' },
  { method: 'PUT', path: '/api/streams?name=x&src=test:x' },
  { method: 'PATCH', path: '/api/streams?name=x&src=test:x' },
  { method: 'POST', path: '/api/streams?src=test:x&dst=cam' },
  { method: 'DELETE', path: '/api/streams?src=cam' },
  { method: 'PUT', path: '/api/preload?src=cam' },
  { method: 'DELETE', path: '/api/preload?src=cam' },
  { method: 'POST', path: '/api/exit?code=0' },
  { method: 'POST', path: '/api/restart' },
  { method: 'DELETE', path: '/api/log' },
  { method: 'POST', path: '/api/webrtc?src=cam', body: 'v=0\r\n', type: 'text/plain' },
  { method: 'POST', path: '/stream/x/add', body: '{"name":"x","channels":{"0":{"url":"test:x"}}}', type: 'text/plain' },
  { method: 'POST', path: '/stream/x/edit', body: '{"channels":{"0":{"url":"test:x"}}}', type: 'text/plain' },
  {
    method: 'POST',
    path: '/stream/cam/channel/0/webrtc',
    body: 'data=AAAA',
    type: 'application/x-www-form-urlencoded',
  },
  {
    method: 'POST',
    path: '/stream',
    body: 'url=rtsp%3A%2F%2F127.0.0.1%2Fx&sdp64=AAAA',
    type: 'application/x-www-form-urlencoded',
  },
];

describe('cross-site writes are refused', () => {
  let server: RunningApi;
  let dir: string;
  let configPath: string;
  let restarts = 0;
  let logCleared = 0;
  const memoryLog: MemoryLog = { text: () => '', clear: () => void logCleared++ };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-cross-site-'));
    configPath = path.join(dir, 'ts2rtc.yaml');
    await writeFile(configPath, CONFIG);
    server = await startApi({
      config: { streams: { cam: 'test:cam' } },
      configPath,
      hooks: { log: memoryLog, restart: () => void restarts++ },
    });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function send(write: (typeof WRITES)[number], headers: Record<string, string>): Promise<HttpResponse> {
    return request(`${server.url}${write.path}`, {
      method: write.method,
      headers: { ...headers, ...(write.type ? { 'Content-Type': write.type } : {}) },
      body: write.body,
    });
  }

  async function assertNothingChanged(what: string): Promise<void> {
    assert.equal(await readFile(configPath, 'utf8'), CONFIG, `${what}: config file rewritten`);
    assert.deepEqual([...server.app.streams.names()].sort(), ['cam'], `${what}: streams changed`);
    assert.deepEqual(
      server.app.streams.get('cam')?.sources.map((s) => s.raw),
      ['test:cam'],
      `${what}: cam changed`,
    );
    assert.deepEqual(server.exits, [], `${what}: exit called`);
    assert.equal(restarts, 0, `${what}: restart called`);
    assert.equal(logCleared, 0, `${what}: log cleared`);
  }

  const browsers: ReadonlyArray<[string, Record<string, string>]> = [
    ['a current browser (Origin + Sec-Fetch-Site: cross-site)', MODERN_CROSS_SITE],
    ['a browser without fetch metadata (Origin only)', { Origin: 'http://evil.example' }],
    ['a sandboxed frame (Origin: null)', { Origin: 'null' }],
    [
      'another port of the same host (Sec-Fetch-Site: same-site)',
      { Origin: 'http://127.0.0.1:8123', 'Sec-Fetch-Site': 'same-site' },
    ],
  ];
  for (const [who, headers] of browsers) {
    for (const write of WRITES) {
      it(`${write.method} ${write.path.split('?')[0]} from ${who}: 403 CROSS_SITE_REFUSED, nothing changes`, async () => {
        const res = await send(write, headers);
        assert.equal(res.status, 403, res.text);
        const body = res.json() as Json;
        assert.equal(body.code, 'CROSS_SITE_REFUSED');
        assert.match(String(body.error), /api\.origin/);
        await assertNothingChanged(`${write.method} ${write.path}`);
      });
    }
  }

  it('still answers cross-site reads (the browser keeps their answer from the page)', async () => {
    const res = await request(`${server.url}/api/streams`, { headers: MODERN_CROSS_SITE });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
});

describe('writes that stay allowed', () => {
  let server: RunningApi;
  let dir: string;
  let configPath: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-same-site-'));
    configPath = path.join(dir, 'ts2rtc.yaml');
    await writeFile(configPath, CONFIG);
    server = await startApi({ config: { streams: { cam: 'test:cam' } }, configPath });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const host = (): string => new URL(server.url).host;

  it('the built-in UI: same-origin fetch (Sec-Fetch-Site: same-origin), even with a text/plain body', async () => {
    const res = await request(`${server.url}/api/config`, {
      method: 'POST',
      headers: { Origin: server.url, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'text/plain;charset=UTF-8' },
      body: 'streams:\n  ui: test:ui\n',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(await readFile(configPath, 'utf8'), 'streams:\n  ui: test:ui\n');
  });

  it('a browser without fetch metadata whose Origin is this host', async () => {
    const res = await request(`${server.url}/api/streams?name=same&src=test:same`, {
      method: 'PUT',
      headers: { Origin: `http://${host()}` },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(server.app.streams.get('same'));
  });

  it('Home Assistant Ingress: the proxy passes the browser Host through, Origin matches it', async () => {
    const res = await request(`${server.url}/api/streams?name=ingress&src=test:ingress`, {
      method: 'PUT',
      headers: {
        Host: 'homeassistant.local:8123',
        Origin: 'http://homeassistant.local:8123',
        'X-Ingress-Path': '/api/hassio_ingress/abc',
      },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(server.app.streams.get('ingress'));
  });

  it('a reverse proxy that rewrites Host and says the original in X-Forwarded-Host', async () => {
    const res = await request(`${server.url}/api/streams?name=proxied&src=test:proxied`, {
      method: 'PUT',
      headers: { Origin: 'https://cams.example.org', 'X-Forwarded-Host': 'cams.example.org' },
    });
    assert.equal(res.status, 200, res.text);
  });

  it('API clients without Origin (curl, Home Assistant) with a JSON or YAML content type', async () => {
    const yaml = await request(`${server.url}/api/config`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/yaml' },
      body: 'streams:\n  curl: test:curl\n',
    });
    assert.equal(yaml.status, 200, yaml.text);
    assert.match(await readFile(configPath, 'utf8'), /curl: test:curl/);
    const json = await request(`${server.url}/stream/ha/add`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name":"ha","channels":{"0":{"url":"test:ha"}}}',
    });
    assert.equal(json.status, 200, json.text);
  });

  it('a JSON or YAML body in a type any page may send, without a same-origin proof: 415, nothing written', async () => {
    const before = await readFile(configPath, 'utf8');
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const headers: Record<string, string> = type ? { 'Content-Type': type } : {};
      const config = await request(`${server.url}/api/config`, { method: 'POST', headers, body: EVIL_CONFIG });
      assert.equal(config.status, 415, `${type}: ${config.text}`);
      const body = config.json() as Json;
      assert.equal(body.code, 'BODY_TYPE_REFUSED');
      assert.match(String(body.error), /application\/yaml/);
      const add = await request(`${server.url}/stream/y/add`, {
        method: 'POST',
        headers,
        body: '{"channels":{"0":{"url":"test:y"}}}',
      });
      assert.equal(add.status, 415, `${type}: ${add.text}`);
    }
    assert.equal(await readFile(configPath, 'utf8'), before);
    assert.equal(server.app.streams.get('y'), undefined);
  });
});

describe('api.origin lets the user allow other origins', () => {
  for (const [origin, allowed, refused] of [
    ['*', 'http://evil.example', undefined],
    ['https://dash.example.com', 'https://dash.example.com', 'https://other.example.com'],
  ] as const) {
    it(`origin: ${origin}`, async () => {
      const server = await startApi({ config: { streams: { cam: 'test:cam' } }, api: { origin } });
      try {
        const ok = await request(`${server.url}/api/streams?name=a&src=test:a`, {
          method: 'PUT',
          headers: { Origin: allowed, 'Sec-Fetch-Site': 'cross-site' },
        });
        assert.equal(ok.status, 200, ok.text);
        if (refused) {
          const no = await request(`${server.url}/api/streams?name=b&src=test:b`, {
            method: 'PUT',
            headers: { Origin: refused, 'Sec-Fetch-Site': 'cross-site' },
          });
          assert.equal(no.status, 403, no.text);
          assert.equal(server.app.streams.get('b'), undefined);
        }
      } finally {
        await server.close();
      }
    });
  }
});
