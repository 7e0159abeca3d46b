import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request } from '../../helpers/http.js';

/** A non-loopback address of this machine: a client connecting from it is not "local" to the server. */
function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const item of list ?? []) if (item.family === 'IPv4' && !item.internal) return item.address;
  }
  return undefined;
}

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const lan = lanAddress();

describe('HTTP Basic auth', () => {
  let server: RunningApi;
  let port: number;
  before(async () => {
    // Listen on every interface so a LAN-address client can reach it.
    server = await startApi({ api: { listen: ':0', username: 'admin', password: 's3cret' } });
    port = server.api.port ?? 0;
  });
  after(() => server.close());

  it('lets loopback clients in without credentials (go2rtc default)', async () => {
    const res = await request(`http://127.0.0.1:${port}/api`);
    assert.equal(res.status, 200);
  });

  it(
    'asks remote clients for credentials with realm go2rtc',
    { skip: lan === undefined && 'no LAN address' },
    async () => {
      const url = `http://${lan}:${port}/api`;
      const none = await request(url, { localAddress: lan });
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Basic realm="go2rtc"');
      assert.equal((none.json() as { code: string }).code, 'UNAUTHORIZED');
      const wrong = await request(url, { localAddress: lan, headers: { Authorization: basic('admin', 'nope') } });
      assert.equal(wrong.status, 401);
      const right = await request(url, { localAddress: lan, headers: { Authorization: basic('admin', 's3cret') } });
      assert.equal(right.status, 200);
      const ui = await request(`http://${lan}:${port}/`, { method: 'HEAD', localAddress: lan });
      assert.equal(ui.status, 401, 'the UI is protected too');
    },
  );
});

describe('HTTP Basic auth with local_auth', () => {
  let server: RunningApi;
  before(async () => {
    server = await startApi({ api: { username: 'admin', password: 's3cret', local_auth: true } });
  });
  after(() => server.close());

  it('asks loopback clients too (Home Assistant managed mode)', async () => {
    assert.equal((await request(`${server.url}/api`)).status, 401);
    assert.equal(
      (await request(`${server.url}/api`, { headers: { Authorization: basic('admin', 's3cret') } })).status,
      200,
    );
    assert.equal((await request(`${server.url}/api`, { headers: { Authorization: 'Basic !!!' } })).status, 401);
    assert.equal(
      (await request(`${server.url}/api`, { headers: { Authorization: basic('admin', 's3cret2') } })).status,
      401,
    );
  });
});

describe('CORS', () => {
  it('adds go2rtc headers with origin "*" and answers preflights without auth', async () => {
    const server = await startApi({ api: { origin: '*', username: 'u', password: 'p', local_auth: true } });
    try {
      const preflight = await request(`${server.url}/api/streams`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://elsewhere', 'Access-Control-Request-Method': 'PUT' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
      assert.equal(preflight.headers['access-control-allow-methods'], 'GET, POST, PUT, DELETE, OPTIONS');
      assert.equal(preflight.headers['access-control-allow-headers'], 'Authorization, Content-Type');
      const get = await request(`${server.url}/api`, { headers: { Authorization: basic('u', 'p') } });
      assert.equal(get.status, 200);
      assert.equal(get.headers['access-control-allow-origin'], '*');
    } finally {
      await server.close();
    }
  });

  it('sends no CORS headers by default', async () => {
    const server = await startApi();
    try {
      const res = await request(`${server.url}/api`, { headers: { Origin: 'http://elsewhere' } });
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    } finally {
      await server.close();
    }
  });
});
