import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigText } from '../../../addon/src/config/load.js';
import { createLogging } from '../../../addon/src/modules/log/index.js';
import { startServer, type Server } from '../../../addon/src/server.js';

/**
 * Home Assistant 2025.x's go2rtc provider, before each WebRTC offer (homeassistant/components/go2rtc/__init__.py):
 * `streams = GET /api/streams`; if no producer of `streams[entity_id]` has `url == camera.stream_source()`, it
 * sends `PUT /api/streams?name=<entity_id>&src=<stream_source>&src=ffmpeg:<entity_id>#audio=opus#query=log_level=debug`
 * (go2rtc-client: aiohttp `params={"name": name, "src": [..]}`). The requests below are shaped that way.
 */
const SOURCE = 'rtsp://admin:s3cret-pass@192.0.2.10:554/stream1';
const NAME = 'camera.front_door';
const FFMPEG = `ffmpeg:${NAME}#audio=opus#query=log_level=debug`;

/** What aiohttp sends for params={"name": NAME, "src": [SOURCE, FFMPEG]}: repeated keys, percent-encoded. */
function haPutQuery(source = SOURCE): string {
  const params = new URLSearchParams();
  params.append('name', NAME);
  params.append('src', source);
  params.append('src', FFMPEG);
  return params.toString();
}

/** Home Assistant's check. */
function haMatches(list: Record<string, { producers: Array<{ url?: string }> | null }>, source = SOURCE): boolean {
  return (list[NAME]?.producers ?? []).some((p) => p.url === source);
}

describe("PUT no-op and masked passwords vs Home Assistant's stream check", () => {
  let server: Server & { url: string };
  let dir: string;
  let configPath: string;
  const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-put-'));
    configPath = path.join(dir, 'go2rtc.yaml');
    const text =
      'api:\n  listen: 127.0.0.1:0\n  username: ha\n  password: api-pass\nrtsp:\n  listen: ""\nwebrtc:\n  listen: ""\nstreams:\n  other: rtsp://192.0.2.1/x\n';
    await writeFile(configPath, text);
    const config = loadConfigText(text, { env: {} }).config;
    // The whole server as main.ts starts it, with the config file API writes go to.
    const started = await startServer({
      config,
      configPath,
      logging: createLogging({ ...config.log, level: 'error' }, null),
    });
    server = Object.assign(started, { url: `http://127.0.0.1:${started.addresses.http?.port ?? 0}` });
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const list = async (
    headers: Record<string, string> = {},
  ): Promise<Record<string, { producers: Array<{ url?: string }> | null }>> => {
    const res = await fetch(`${server.url}/api/streams`, { headers });
    assert.equal(res.status, 200);
    return (await res.json()) as Record<string, { producers: Array<{ url?: string }> | null }>;
  };

  it('the first PUT creates the stream and writes the config file', async () => {
    const res = await fetch(`${server.url}/api/streams?${haPutQuery()}`, { method: 'PUT' });
    assert.equal(res.status, 200, await res.text());
    assert.match(await readFile(configPath, 'utf8'), /camera\.front_door/);
  });

  it('an identical PUT is a no-op: same sources kept (nothing restarts), the config file is not rewritten', async () => {
    const before = await stat(configPath);
    const text = await readFile(configPath, 'utf8');
    const slots = server.app.streams.get(NAME)?.sources;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/api/streams?${haPutQuery()}`, { method: 'PUT' });
      assert.equal(res.status, 200);
    }
    const after = await stat(configPath);
    assert.equal(after.mtimeMs, before.mtimeMs, 'config file untouched');
    assert.equal(await readFile(configPath, 'utf8'), text);
    const now = server.app.streams.get(NAME)?.sources;
    assert.ok(slots && now && slots.every((url, i) => url === now[i]), 'the same source objects (no slot replaced)');
  });

  it("anonymous clients (loopback bypass) see the password masked, so HA's check fails there (and its PUT is the no-op)", async () => {
    const anonymous = await list();
    assert.equal(haMatches(anonymous), false);
    assert.equal(JSON.stringify(anonymous).includes('s3cret-pass'), false);
    assert.ok(JSON.stringify(anonymous).includes('rtsp://***@192.0.2.10:554/stream1'));
  });

  it('a client presenting the API credentials (HA configured with http://user:pass@host:1984) sees the URL and matches', async () => {
    const withCreds = await list({ Authorization: basic('ha', 'api-pass') });
    assert.equal(haMatches(withCreds), true);
    const one = await fetch(`${server.url}/api/streams?src=${encodeURIComponent(NAME)}`, {
      headers: { Authorization: basic('ha', 'api-pass') },
    });
    assert.ok((await one.text()).includes(SOURCE));
  });

  it('a wrong Authorization header from loopback (let through by the bypass) still sees masked URLs', async () => {
    const wrong = await list({ Authorization: basic('ha', 'guess') });
    assert.equal(haMatches(wrong), false);
    assert.equal(JSON.stringify(wrong).includes('s3cret-pass'), false);
  });

  it('a PUT with a changed URL (new password) replaces the stream and rewrites the file', async () => {
    const changed = SOURCE.replace('s3cret-pass', 'new-pass-123');
    const res = await fetch(`${server.url}/api/streams?${haPutQuery(changed)}`, { method: 'PUT' });
    assert.equal(res.status, 200);
    assert.match(await readFile(configPath, 'utf8'), /new-pass-123/);
    assert.equal(haMatches(await list({ Authorization: basic('ha', 'api-pass') }), changed), true);
  });

  it('an equal PUT after a PATCH (memory only) still writes the file', async () => {
    const url = 'rtsp://192.0.2.11/patched';
    assert.equal(
      (await fetch(`${server.url}/api/streams?name=camera.patched&src=${encodeURIComponent(url)}`, { method: 'PATCH' }))
        .status,
      200,
    );
    assert.doesNotMatch(await readFile(configPath, 'utf8'), /camera\.patched/);
    assert.equal(
      (await fetch(`${server.url}/api/streams?name=camera.patched&src=${encodeURIComponent(url)}`, { method: 'PUT' }))
        .status,
      200,
    );
    assert.match(await readFile(configPath, 'utf8'), /camera\.patched/);
  });
});
