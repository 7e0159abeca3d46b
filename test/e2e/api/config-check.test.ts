import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogRing } from '../../../addon/src/modules/log/index.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request } from '../../helpers/http.js';
import { TestConsumer } from '../../helpers/test-consumer.js';

const YAML = { 'Content-Type': 'application/yaml' };
const YAML_JSON = { 'Content-Type': 'application/yaml', Accept: 'application/json' };

interface Problem {
  code: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/**
 * `/api/config` checks the whole resulting config with the start-up schema and the registered source schemes
 * before writing: a refused edit names every problem with its line and key, and leaves the file as it was.
 * A saved one keeps the previous file as .bak and applies the streams without touching the others.
 */
describe('/api/config: checked edits', () => {
  let server: RunningApi;
  let dir: string;
  let configPath: string;
  const ring = new LogRing();
  const original = '# cameras\nstreams:\n  cam: test:cam\n  keep: test:keep\nlog:\n  level: info\n';

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ts2rtc-config-check-'));
    configPath = path.join(dir, 'ts2rtc.yaml');
    await writeFile(configPath, original);
    server = await startApi({
      configPath,
      config: { streams: { cam: 'test:cam', keep: 'test:keep' }, log: { level: 'info' } },
      hooks: { log: ring },
    });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('POST with a wrong type: 400 with the line and key, file unchanged (the issue: api.listen [1, 2])', async () => {
    const body = 'api: {listen: [1, 2]}\nstreams:\n  cam: test:cam\n';
    const res = await request(`${server.url}/api/config`, { method: 'POST', headers: YAML, body });
    assert.equal(res.status, 400);
    const json = res.json() as { code: string; error: string; errors: Problem[] };
    assert.equal(json.code, 'CONFIG_INVALID');
    assert.deepEqual(
      json.errors.map((e) => [e.line, e.path]),
      [[1, 'api.listen']],
    );
    assert.match(json.error, /nothing saved: line 1: api\.listen: expected a string, got a list/);
    assert.equal(await readFile(configPath, 'utf8'), original);
    assert.equal(existsSync(`${configPath}.bak`), false);
  });

  it('POST with an unknown source scheme: 400 SOURCE_UNSUPPORTED at the value, file unchanged', async () => {
    const body = 'streams:\n  cam: test:cam\n  door:\n    - test:door\n    - bogus://10.0.0.2/live\n';
    const res = await request(`${server.url}/api/config`, { method: 'POST', headers: YAML, body });
    assert.equal(res.status, 400);
    const json = res.json() as { code: string; errors: Problem[] };
    assert.equal(json.code, 'SOURCE_UNSUPPORTED');
    assert.deepEqual(
      json.errors.map((e) => [e.code, e.line, e.column, e.path]),
      [['SOURCE_UNSUPPORTED', 5, 7, 'streams.door[1]']],
    );
    assert.match(json.errors[0]?.message ?? '', /unknown source scheme "bogus:"/);
    assert.equal(await readFile(configPath, 'utf8'), original);
  });

  it('POST with text that is not YAML: 400 CONFIG_SYNTAX with its line, file unchanged', async () => {
    const res = await request(`${server.url}/api/config`, {
      method: 'POST',
      headers: YAML,
      body: 'streams:\n  cam: [test:cam\n',
    });
    assert.equal(res.status, 400);
    const json = res.json() as { code: string; errors: Problem[] };
    assert.equal(json.code, 'CONFIG_SYNTAX');
    assert.equal(json.errors.length, 1);
    assert.ok((json.errors[0]?.line ?? 0) >= 2);
    assert.equal(await readFile(configPath, 'utf8'), original);
  });

  it('PATCH checks the merged result: a wrong type is refused with the line of the merged text', async () => {
    const res = await request(`${server.url}/api/config`, {
      method: 'PATCH',
      headers: YAML,
      body: 'rtsp:\n  listen: true_or_false\n',
    });
    assert.equal(res.status, 400);
    const json = res.json() as { errors: Problem[] };
    assert.deepEqual(
      json.errors.map((e) => e.path),
      ['rtsp.listen'],
    );
    assert.equal(await readFile(configPath, 'utf8'), original);
  });

  it('?check=1 reports every problem and writes nothing', async () => {
    const body = 'api:\n  listen: [1]\nrtsp:\n  listen: {a: 1}\nstreams:\n  x: nope:1\n';
    const res = await request(`${server.url}/api/config?check=1`, { method: 'POST', headers: YAML_JSON, body });
    assert.equal(res.status, 200);
    const json = res.json() as { valid: boolean; errors: Problem[]; warnings: Problem[] };
    assert.equal(json.valid, false);
    // Values first; sources are checked once the values are valid.
    assert.deepEqual(
      json.errors.map((e) => [e.line, e.path]),
      [
        [2, 'api.listen'],
        [4, 'rtsp.listen'],
      ],
    );
    const ok = await request(`${server.url}/api/config?check=1`, {
      method: 'POST',
      headers: YAML_JSON,
      body: 'streams:\n  a: test:a\nunknown_key: 1\n',
    });
    const okJson = ok.json() as { valid: boolean; errors: Problem[]; warnings: Problem[] };
    assert.equal(okJson.valid, true);
    assert.deepEqual(
      okJson.warnings.map((w) => [w.line, w.path, w.code]),
      [[3, 'unknown_key', 'WARNING']],
    );
    assert.equal(await readFile(configPath, 'utf8'), original);
  });

  it('a valid POST saves atomically, keeps .bak, applies the streams and keeps unaffected viewers', async () => {
    const keep = server.app.streams.get('keep');
    assert.ok(keep);
    const viewer = new TestConsumer();
    await keep.addConsumer(viewer);
    await viewer.waitForPackets(3);
    const next =
      '# cameras\nstreams:\n  keep: test:keep\n  cam: test:cam2\n  added: test:added\nlog:\n  level: debug\n';
    const res = await request(`${server.url}/api/config`, { method: 'POST', headers: YAML_JSON, body: next });
    assert.equal(res.status, 200, res.text);
    const json = res.json() as {
      saved: boolean;
      backup: string;
      streams: Record<string, unknown>;
      restart_required: string[];
    };
    assert.equal(json.saved, true);
    assert.equal(json.backup, `${configPath}.bak`);
    assert.deepEqual(json.streams, { added: ['added'], changed: ['cam'], removed: [], failed: [] });
    assert.deepEqual(json.restart_required, ['log']);
    assert.equal(await readFile(configPath, 'utf8'), next);
    assert.equal(await readFile(`${configPath}.bak`, 'utf8'), original);
    assert.equal(server.app.streams.get('keep'), keep, 'the unchanged stream is the same object (its viewers stay)');
    assert.deepEqual(
      server.app.streams.get('cam')?.sources.map((u) => u.raw),
      ['test:cam2'],
    );
    assert.ok(server.app.streams.get('added'));
    // The viewer of the unchanged stream goes on receiving.
    const seen = viewer.packets.length;
    await viewer.waitForPackets(seen + 3);
    assert.equal(keep.toJSON().consumers?.length, 1);
    // go2rtc's clients get go2rtc's empty 200 when they do not ask for JSON; removing a stream stops it.
    const plain = await request(`${server.url}/api/config`, {
      method: 'POST',
      headers: YAML,
      body: '# cameras\nstreams:\n  keep: test:keep\n',
    });
    assert.equal(plain.status, 200);
    assert.equal(plain.text, '');
    assert.equal(server.app.streams.get('added'), undefined);
    assert.equal(server.app.streams.get('keep'), keep);
    await viewer.stop();
  });

  it('GET /api/log?tail=N gives the newest N lines; without it the whole ring (go2rtc)', async () => {
    ring.clear();
    for (let i = 0; i < 5; i++) ring.push(JSON.stringify({ level: 'info', message: `line ${i}` }));
    const tail = await request(`${server.url}/api/log?tail=2`);
    assert.equal(tail.status, 200);
    assert.match(String(tail.headers['content-type']), /^application\/jsonlines/);
    assert.deepEqual(
      tail.text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { message: string }).message),
      ['line 3', 'line 4'],
    );
    const all = await request(`${server.url}/api/log`);
    assert.equal(all.text.trim().split('\n').length, 5);
    assert.equal((await request(`${server.url}/api/log?tail=x`)).status, 400);
  });

  it('GET /api/network shows listen addresses, candidates and ICE servers with credentials masked', async () => {
    const other = await startApi({
      config: {
        webrtc: {
          listen: '',
          candidates: ['192.0.2.1:8555', 'stun:8555'],
          ice_servers: [{ urls: ['turn:turn.example:3478'], username: 'u', credential: 'secret' }],
        },
      },
    });
    try {
      const res = await request(`${other.url}/api/network`);
      assert.equal(res.status, 200);
      const json = res.json() as {
        api: { bound: { http: { port: number } } };
        webrtc: { candidates: string[]; ice_servers: Array<Record<string, unknown>> };
      };
      assert.equal(json.api.bound.http.port, other.addresses.http?.port);
      assert.deepEqual(json.webrtc.candidates, ['192.0.2.1:8555', 'stun:8555']);
      assert.deepEqual(json.webrtc.ice_servers, [
        { urls: ['turn:turn.example:3478'], username: 'u', credential: '***' },
      ]);
      assert.ok(!res.text.includes('secret'));
    } finally {
      await other.close();
    }
  });
});
