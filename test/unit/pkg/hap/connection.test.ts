import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generateEd25519, HapConnection, pairWithPin } from '../../../../addon/src/pkg/hap/index.js';

/**
 * HapConnection against plain loopback servers (no accessory): answers in order, a silent peer is HAP_TIMEOUT,
 * a peer that hangs up fails every waiter with HAP_CONNECTION_CLOSED, and close() releases the socket.
 */
describe('pkg/hap connection', () => {
  const sockets: net.Socket[] = [];
  let server: net.Server;
  let port: number;
  let mode: 'echo204' | 'silent' | 'hangup' = 'echo204';

  before(async () => {
    server = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (chunk) => {
        if (mode === 'silent') return;
        if (mode === 'hangup') {
          socket.destroy();
          return;
        }
        // One answer per request line seen (the requests here have no body).
        const count = chunk.toString('latin1').split('\r\n\r\n').length - 1;
        for (let i = 0; i < count; i++) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });

  it('answers requests in order, then closes', async () => {
    mode = 'echo204';
    const conn = await HapConnection.connect('127.0.0.1', port);
    const answers = await Promise.all([
      conn.request('GET', '/a'),
      conn.request('GET', '/b'),
      conn.request('GET', '/c'),
    ]);
    assert.deepEqual(
      answers.map((a) => a.status),
      [204, 204, 204],
    );
    let reason: Error | undefined | null = null;
    conn.onClose.subscribe((r) => (reason = r));
    conn.close();
    assert.equal(reason, undefined);
    assert.equal(conn.closed, true);
    await assert.rejects(conn.request('GET', '/d'), /HAP_CONNECTION_CLOSED/);
  });

  it('a peer that never answers: HAP_TIMEOUT naming the request, and the connection is closed', async () => {
    mode = 'silent';
    const conn = await HapConnection.connect('127.0.0.1', port, 200);
    await assert.rejects(
      conn.request('POST', '/pair-verify'),
      (err: unknown) => (err as { code?: string }).code === 'HAP_TIMEOUT' && /POST \/pair-verify/.test(String(err)),
    );
    assert.equal(conn.closed, true);
    await assert.rejects(
      pairWithPin('127.0.0.1', port, '031-45-154', { id: 'x', keys: generateEd25519() }, 200),
      /HAP_TIMEOUT: .*POST \/pair-setup/,
    );
  });

  it('a peer that hangs up: HAP_CONNECTION_CLOSED for every waiter', async () => {
    mode = 'hangup';
    const conn = await HapConnection.connect('127.0.0.1', port);
    const results = await Promise.allSettled([conn.request('GET', '/a'), conn.request('GET', '/b')]);
    for (const r of results)
      assert.ok(
        r.status === 'rejected' && /HAP_CONNECTION_CLOSED/.test(String(r.reason)),
        String(r.status === 'rejected' ? r.reason : 'fulfilled'),
      );
  });

  it('a wrong setup code format is refused before any byte is sent', async () => {
    mode = 'echo204';
    await assert.rejects(
      pairWithPin('127.0.0.1', port, '1234', { id: 'x', keys: generateEd25519() }),
      /HAP_PAIR_WRONG_PIN: setup code must be 8 digits/,
    );
  });
});
