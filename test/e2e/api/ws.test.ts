import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ApiModule, WsConnection } from '../../../addon/src/modules/api/index.js';
import { startApi, type RunningApi } from '../../helpers/api-server.js';
import { request } from '../../helpers/http.js';
import { waitFor, withTimeout } from '../../helpers/wait.js';
import { TestWsClient, upgradeStatus } from '../../helpers/ws-client.js';

/** The handlers a media module would register, reduced to what the dispatch tests need. */
function registerTestHandlers(api: ApiModule, seen: WsConnection[]): void {
  api.ws.handle('echo', (value, connection) => {
    seen.push(connection);
    connection.send({
      type: 'echo',
      value: { value, src: connection.query.get('src'), remote: connection.remoteAddr },
    });
  });
  api.ws.handle('bytes', (value, connection) => {
    connection.sendBinary(Buffer.from(String(value)));
  });
  // Parts as an MSE fragment comes (a small moof, a large mdat), sized to take each length form of the
  // frame header, with a JSON frame after each.
  api.ws.handle('parts', (value, connection) => {
    for (const size of Array.isArray(value) ? value : []) {
      const n = Number(size);
      const moof = Buffer.alloc(Math.min(n, 100), 0x6d);
      connection.sendBinaryParts([moof, Buffer.alloc(n - moof.length, n % 251)]);
      connection.send({ type: 'between', value: n });
    }
  });
  api.ws.handle('boom', () => {
    throw new Error('failed hard for rtsp://admin:pw@10.0.0.1/x');
  });
  api.ws.handle('later', async () => {
    await Promise.resolve();
    throw new Error('stream not found');
  });
}

describe('/api/ws dispatch', () => {
  let server: RunningApi;
  const seen: WsConnection[] = [];
  let wsUrl: string;
  before(async () => {
    server = await startApi({ beforeStart: (api) => registerTestHandlers(api, seen) });
    wsUrl = `${server.url.replace('http', 'ws')}/api/ws`;
  });
  after(() => server.close());

  it('passes value and connection (query, remote address) to the handler', async () => {
    const client = await TestWsClient.open(`${wsUrl}?src=${encodeURIComponent('rtsp://cam/1')}`);
    client.send({ type: 'echo', value: { a: 1 } });
    const reply = await client.next((m) => m.type === 'echo');
    assert.deepEqual(reply.value, {
      value: { a: 1 },
      src: 'rtsp://cam/1',
      remote: (reply.value as { remote: string }).remote,
    });
    assert.match((reply.value as { remote: string }).remote, /^127\.0\.0\.1:\d+$/);
    client.close();
    await waitFor(() => seen[0]?.isClosed, { what: 'server side closed' });
  });

  it('sends binary frames', async () => {
    const client = await TestWsClient.open(wsUrl);
    client.send({ type: 'bytes', value: 'hello' });
    await waitFor(() => client.binary.length === 1, { what: 'binary frame' });
    assert.equal(client.binary[0]?.toString(), 'hello');
    client.close();
  });

  it('sends parts as one binary message each, whatever the length form, between JSON frames', async () => {
    const client = await TestWsClient.open(wsUrl);
    const sizes = [101, 125 + 100, 65535 + 100, 70000, 1_000_000];
    client.send({ type: 'parts', value: sizes });
    await waitFor(() => client.binary.length === sizes.length && client.messages.length === sizes.length, {
      what: 'every message',
    });
    sizes.forEach((size, i) => {
      const got = client.binary[i]!;
      assert.equal(got.length, size, `message ${i}`);
      assert.ok(got.subarray(0, 100).equals(Buffer.alloc(100, 0x6d)), `message ${i} starts with its moof`);
      assert.equal(got[size - 1], size % 251, `message ${i} ends with its mdat`);
    });
    assert.deepEqual(
      client.messages.map((m) => m.value),
      sizes,
    );
    client.close();
  });

  it('reports handler failures as {"type":"error","value":"<type>: <message>"} with URLs masked', async () => {
    const client = await TestWsClient.open(wsUrl);
    client.send({ type: 'boom' });
    client.send({ type: 'later' });
    await waitFor(() => client.messages.length === 2, { what: 'two errors' });
    assert.deepEqual(client.messages, [
      { type: 'error', value: 'boom: failed hard for rtsp://***@10.0.0.1/x' },
      { type: 'error', value: 'later: stream not found' },
    ]);
    client.close();
  });

  it('ignores message types nobody handles, as go2rtc does', async () => {
    const client = await TestWsClient.open(wsUrl);
    client.send({ type: 'webrtc/candidate', value: 'candidate:1 1 udp 1 1.2.3.4 5 typ host' });
    client.send({ type: 'echo', value: 1 });
    await client.next((m) => m.type === 'echo');
    assert.equal(client.messages.length, 1);
    client.close();
  });

  it('answers malformed frames with an error and stays open', async () => {
    const client = await TestWsClient.open(wsUrl);
    client.send('{not json');
    client.send('[1,2]');
    client.send('{"value":1}');
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    client.send({ type: 'echo', value: 'still here' });
    await client.next((m) => m.type === 'echo');
    assert.deepEqual(
      client.messages.filter((m) => m.type === 'error'),
      [
        { type: 'error', value: 'ws: invalid JSON message' },
        { type: 'error', value: 'ws: message must be a JSON object' },
        { type: 'error', value: 'ws: message has no type' },
        { type: 'error', value: 'ws: binary messages are not supported' },
      ],
    );
    client.close();
  });

  it('closes a socket that sends a message over the size limit (1009), and keeps serving', async () => {
    const client = await TestWsClient.open(wsUrl);
    client.send({ type: 'echo', value: 'x'.repeat(1024 * 1024 + 10) });
    assert.equal(await client.closed(), 1009);
    assert.equal((await request(`${server.url}/api`)).status, 200);
  });

  it('refuses upgrades on other paths and from foreign origins', async () => {
    const base = server.url.replace('http', 'ws');
    assert.equal(await upgradeStatus(`${base}/api/nope`), 404);
    const plain = await request(`${server.url}/api/ws`);
    assert.equal(plain.status, 400);
    assert.equal((plain.json() as { code: string }).code, 'BAD_REQUEST');
    assert.equal(await upgradeStatus(wsUrl, { headers: { Origin: 'http://evil.example' } }), 403);
    const port = server.api.port ?? 0;
    // Same host, other port: a page served by a proxy in front of the server (go2rtc issue 118).
    assert.equal(await upgradeStatus(wsUrl, { headers: { Origin: 'http://127.0.0.1:8123', Host: '127.0.0.1' } }), 101);
    assert.equal(await upgradeStatus(wsUrl, { headers: { Origin: `http://127.0.0.1:${port}` } }), 101);
  });

  it('closes every WebSocket on stop()', async () => {
    const other = await startApi();
    const client = await TestWsClient.open(`${other.url.replace('http', 'ws')}/api/ws`);
    await other.close();
    await client.closed();
  });
});

describe('/api/ws with auth and base_path', () => {
  it('needs credentials on the upgrade when auth applies, and lives under base_path', async () => {
    const server = await startApi({ api: { base_path: '/x', username: 'u', password: 'p', local_auth: true } });
    try {
      const base = server.url.replace('http', 'ws');
      assert.equal(await upgradeStatus(`${base}/x/api/ws`), 401);
      const auth = { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };
      assert.equal(await upgradeStatus(`${base}/x/api/ws`, { headers: auth }), 101);
      assert.equal(await upgradeStatus(`${base}/api/ws`, { headers: auth }), 404);
    } finally {
      await server.close();
    }
  });
});

/** A WebSocket client that completes the handshake and then never reads: a stuck viewer. */
async function stuckClient(port: number, path: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.once('data', (data: Buffer) => {
        if (data.toString().startsWith('HTTP/1.1 101')) resolve();
        else reject(new Error(`handshake failed: ${data.toString()}`));
      });
    }),
    5000,
    'raw ws handshake',
  );
  return socket;
}

/** One masked client text frame (payload < 126 bytes). */
function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

describe('/api/ws write deadline', () => {
  it('drops a client that stops reading once a write is pending past the deadline', async () => {
    let connection: WsConnection | undefined;
    let congestedAt = -1;
    const server = await startApi({
      hooks: { ws: { writeDeadlineMs: 300, highWaterBytes: 256 * 1024, maxQueuedBytes: 1024 * 1024 * 1024 } },
      beforeStart: (api) =>
        api.ws.handle('flood', (_value, conn) => {
          connection = conn;
          const chunk = Buffer.alloc(256 * 1024);
          // 64 MiB: far more than the loopback socket buffers hold, so writes stay pending.
          for (let i = 0; i < 256; i++) if (!conn.sendBinary(chunk) && congestedAt < 0) congestedAt = i;
        }),
    });
    const socket = await stuckClient(server.api.port ?? 0, '/api/ws');
    try {
      socket.pause();
      socket.write(clientTextFrame('{"type":"flood"}'));
      await waitFor(() => connection, { what: 'flood handler' });
      assert.ok(congestedAt >= 0, 'sendBinary reported congestion');
      await waitFor(() => connection?.isClosed, { timeoutMs: 5000, what: 'stuck client dropped' });
      assert.equal((await request(`${server.url}/api`)).status, 200);
    } finally {
      socket.destroy();
      await server.close();
    }
  });
});
