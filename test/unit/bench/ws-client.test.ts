import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { BenchWsClient, PREFIX_BYTES } from '../../../bench/lib/ws-client.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A server frame (unmasked), with the header form its length needs. */
function frame(opcode: number, payload: Buffer, final = true): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (final ? 0x80 : 0) | opcode;
  if (n >= 126 && n < 65536) {
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else if (n >= 65536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/** The payload of one masked client frame with a 7-bit length. */
function unmask(bytes: Buffer): { opcode: number; payload: Buffer } {
  const length = (bytes[1] ?? 0) & 0x7f;
  const mask = bytes.subarray(2, 6);
  const payload = Buffer.from(bytes.subarray(6, 6 + length));
  for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i & 3] ?? 0);
  return { opcode: (bytes[0] ?? 0) & 0x0f, payload };
}

test('the bench WebSocket client reads messages whose frames and headers come split across reads', async () => {
  const big = Buffer.alloc(70_000, 7);
  big.write('moof', 4, 'latin1');
  const parts = [Buffer.alloc(300, 1), Buffer.alloc(200, 2), Buffer.alloc(100, 3)];
  const fromClient: Buffer[] = [];
  const server = createServer((socket: Socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (!head.includes('\r\n\r\n')) {
        head += chunk.toString('latin1');
        const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? '';
        const accept = createHash('sha1')
          .update(key + GUID)
          .digest('base64');
        const answer = Buffer.concat([
          Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
          ),
          frame(1, Buffer.from('{"type":"mse"}')),
          frame(2, big),
          frame(9, Buffer.from('hi')),
          frame(2, parts[0]!, false),
          frame(0, parts[1]!, false),
          frame(0, parts[2]!),
          frame(2, Buffer.alloc(0)),
        ]);
        // The first 400 bytes one per write and a turn of the loop apart: the upgrade answer, headers and small frames come in pieces.
        void (async () => {
          for (let i = 0; i < answer.length; i += i < 400 ? 1 : 997) {
            socket.write(answer.subarray(i, i < 400 ? i + 1 : i + 997));
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        return;
      }
      fromClient.push(chunk);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const got: Array<{ prefix: Buffer; length: number }> = [];
  const client = await BenchWsClient.open(`ws://127.0.0.1:${port}/api/ws?src=cam`, (prefix, length) =>
    got.push({ prefix: Buffer.from(prefix), length }),
  );
  try {
    client.sendText('{"type":"mse"}');
    const deadline = Date.now() + 10_000;
    while (got.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(
      got.map((m) => m.length),
      [70_000, 600, 0],
      'binary messages only, continuations joined, text skipped',
    );
    assert.equal(got[0]?.prefix.length, PREFIX_BYTES);
    assert.equal(got[0]?.prefix.toString('latin1', 4, 8), 'moof');
    assert.deepEqual(got[1]?.prefix, Buffer.concat(parts));
    assert.equal(client.failure, undefined);
    // The pong left when the ping came, but reaches this server's socket on a later turn than the last message
    // reached the client: wait for both masked frames (6-byte header each, "{"type":"mse"}" and "hi").
    const expected = 6 + 14 + 6 + 2;
    while (Buffer.concat(fromClient).length < expected && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const sent = Buffer.concat(fromClient);
    const text = unmask(sent);
    assert.deepEqual([text.opcode, text.payload.toString()], [1, '{"type":"mse"}']);
    const pong = unmask(sent.subarray(6 + text.payload.length));
    assert.deepEqual([pong.opcode, pong.payload.toString()], [10, 'hi'], 'the ping answered with its payload');
  } finally {
    client.close();
    server.close();
  }
});

test('the bench WebSocket client gives up on a server that never answers the upgrade, and closes its socket', async () => {
  const sockets: Socket[] = [];
  // Read (and drop) what comes, so the client's close is seen.
  const server = createServer((socket) => sockets.push(socket.resume()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    await assert.rejects(
      BenchWsClient.open(`ws://127.0.0.1:${port}/api/ws`, () => undefined, 200),
      /no upgrade in 200 ms/,
    );
    const [socket] = sockets;
    assert.ok(socket, 'the client connected');
    if (!socket.closed) await once(socket, 'close');
  } finally {
    server.close();
  }
});
