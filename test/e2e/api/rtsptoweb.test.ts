import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request } from '../../helpers/http.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

interface Json {
  [key: string]: unknown;
}

/** allenporter/rtsp-to-webrtc-client's check: `status` whose string form is "1", plus a `payload` key. */
function assertRtspToWebOk(text: string): void {
  const body = JSON.parse(text) as Json;
  assert.equal(String(body.status), '1');
  assert.ok('payload' in body);
}

describe('RTSPtoWeb / RTSPtoWebRTC shims', () => {
  let server: RunningApi;
  before(async () => {
    // base_path must not move these: the client joins them to the server root.
    server = await startApi({ api: { base_path: '/go2rtc' } });
  });
  after(() => server.close());

  it('answers the /static and /streams heartbeats with {"status":1,"payload":{}}', async () => {
    for (const path of ['/static', '/streams']) {
      const res = await request(`${server.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.text, '{"status":1,"payload":{}}');
      assertRtspToWebOk(res.text);
    }
  });

  it('POST /stream/{id}/add and /edit point the stream at channels.0.url', async () => {
    const add = await request(`${server.url}/stream/abc123/add`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'abc123', channels: { '0': { name: 'ch1', url: 'test:first' } } }),
    });
    assert.equal(add.status, 200, add.text);
    assertRtspToWebOk(add.text);
    assert.deepEqual(
      server.app.streams.get('abc123')?.sources.map((s) => s.raw),
      ['test:first'],
    );

    const edit = await request(`${server.url}/stream/abc123/edit`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channels: { '0': { url: 'test:second' } } }),
    });
    assert.equal(edit.status, 200, edit.text);
    assert.deepEqual(
      server.app.streams.get('abc123')?.sources.map((s) => s.raw),
      ['test:second'],
    );
  });

  it('answers a bad body with 400 and a code, and keeps serving', async () => {
    const bodies = [
      '{not json',
      '[]',
      '{"channels":{}}',
      '{"channels":{"0":{"url":5}}}',
      '{"name":5,"channels":{"0":{"url":"test:x"}}}',
    ];
    for (const body of bodies) {
      const res = await request(`${server.url}/stream/x/add`, { method: 'POST', headers: JSON_TYPE, body });
      assert.equal(res.status, 400, body);
      assert.equal((res.json() as Json).code, 'BODY_INVALID', body);
    }
    const forbidden = await request(`${server.url}/stream/x/add`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: '{"channels":{"0":{"url":"nosuch:x"}}}',
    });
    assert.equal(forbidden.status, 400);
    assert.equal((forbidden.json() as Json).code, 'SOURCE_UNSUPPORTED');
    assert.equal((await request(`${server.url}/streams`)).status, 200);
  });

  it('leaves the WebRTC exchange to the WebRTC module (501 until it registers)', async () => {
    const res = await request(`${server.url}/stream/abc123/channel/0/webrtc`, { method: 'POST', body: 'data=AAAA' });
    assert.equal(res.status, 501);
    assert.equal((res.json() as Json).code, 'NOT_IMPLEMENTED');
    assert.equal((await request(`${server.url}/stream/abc123/other`)).status, 404);
  });
});
