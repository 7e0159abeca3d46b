import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RtspConnection } from '../../../../addon/src/pkg/rtsp/connection.js';
import { tcpSocketPair } from '../../../helpers/socket-pair.js';

/**
 * A reader that stops reading (a frozen player): the server's RTSP connection stays congested, and after the
 * write deadline it is closed with RTSP_TIMEOUT instead of holding its session forever. One that reads slowly
 * but drains in time is kept. Real loopback sockets; megabyte frames fill the kernel buffers in milliseconds.
 */

const frame = Buffer.alloc(1 << 20, 0x55);

describe('RtspConnection write deadline', () => {
  it('closes a connection whose peer stopped reading, with RTSP_TIMEOUT', async () => {
    const pair = await tcpSocketPair();
    pair.client.pause();
    const conn = new RtspConnection(pair.server, pino({ level: 'silent' }), { writeDeadlineMs: 300 });
    const closed = new Promise<Error | undefined>((resolve) => conn.onClose.once(resolve));
    const started = performance.now();
    while (conn.writeFrame(0, [frame.subarray(0, 60_000)])) {
      // Fill until congested.
    }
    const error = await closed;
    const after = performance.now() - started;
    assert.ok(error instanceof Error);
    assert.equal((error as Error & { code?: string }).code, 'RTSP_TIMEOUT');
    assert.match(error.message, /stopped reading/);
    assert.ok(after >= 290 && after < 2000, `${after.toFixed(0)} ms`);
    assert.equal(pair.server.destroyed, true);
    pair.close();
  });

  it('keeps a peer that drains within the deadline', async () => {
    const pair = await tcpSocketPair();
    pair.client.pause();
    const conn = new RtspConnection(pair.server, pino({ level: 'silent' }), { writeDeadlineMs: 500 });
    let closed = false;
    conn.onClose.once(() => (closed = true));
    while (conn.writeFrame(0, [frame.subarray(0, 60_000)])) {
      // Fill until congested.
    }
    const drained = new Promise<void>((resolve) => conn.onDrain.once(() => resolve()));
    setTimeout(() => pair.client.resume(), 100);
    await drained;
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(closed, false);
    conn.close();
    pair.close();
  });
});
