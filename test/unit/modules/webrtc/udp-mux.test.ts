import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Message, classes, methods } from 'werift';
import { UdpMux } from '../../../../addon/src/modules/webrtc/udp-mux.js';
import { waitFor } from '../../../helpers/wait.js';

function bindingRequest(username: string): Buffer {
  const message = new Message(methods.BINDING, classes.REQUEST);
  message.setAttribute('USERNAME', username);
  return message.bytes;
}

async function client(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return socket;
}

const log = pino({ level: 'silent' });

describe('the shared UDP port (sockets on loopback)', () => {
  let mux: UdpMux;
  let port: number;
  before(async () => {
    mux = new UdpMux('127.0.0.1', 0, [4], log);
    await mux.start();
    port = mux.listeningPort(4);
  });
  after(async () => mux.stop());

  it("routes each peer's datagrams to it only; garbage is dropped without disturbing them", async () => {
    const a = mux.register('aaaa');
    const b = mux.register('bbbb');
    assert.ok(a && b);
    assert.equal(mux.register('aaaa'), undefined, 'a ufrag clash: that peer uses its own socket');
    const ta = a.claim(4);
    const tb = b.claim(4);
    assert.ok(ta && tb);
    assert.equal(a.claim(4), undefined, 'one host protocol per family');
    assert.equal(ta.port, port);
    assert.equal(ta.socketType, 'udp4');
    const got = { a: [] as string[], b: [] as string[] };
    ta.onData = (data) => got.a.push(data.subarray(0, 1).toString('hex'));
    tb.onData = (data) => got.b.push(data.subarray(0, 1).toString('hex'));
    const ca = await client();
    const cb = await client();
    const junk = await client();
    try {
      ca.send(bindingRequest('aaaa:remote'), port, '127.0.0.1');
      cb.send(bindingRequest('bbbb:remote'), port, '127.0.0.1');
      await waitFor(() => got.a.length === 1 && got.b.length === 1, {
        timeoutMs: 2000,
        what: 'binding requests routed',
      });
      // Garbage from anywhere: random bytes, a STUN header with a broken body, empty datagrams, a stranger's ufrag.
      for (let i = 0; i < 200; i++) junk.send(randomBytes(i % 60), port, '127.0.0.1');
      const broken = bindingRequest('aaaa:x');
      broken.writeUInt16BE(0xffff, 22);
      junk.send(broken, port, '127.0.0.1');
      junk.send(bindingRequest('zzzz:x'), port, '127.0.0.1');
      ca.send(Buffer.from([0x17, 0xfe, 0xfd]), port, '127.0.0.1');
      cb.send(Buffer.from([0x80, 0x60]), port, '127.0.0.1');
      await waitFor(() => got.a.length === 2 && got.b.length === 2, { timeoutMs: 2000, what: 'media after the junk' });
      assert.deepEqual(got, { a: ['00', '17'], b: ['00', '80'] });
      assert.equal(mux.stats.errors, 0);
      assert.ok(mux.stats.dropped >= 200);

      // Sending goes out of the shared socket; a request's response comes back by transaction id.
      const request = new Message(methods.BINDING, classes.REQUEST);
      const seen = new Promise<{ data: Buffer; port: number }>((resolve) =>
        junk.once('message', (data, info) => resolve({ data, port: info.port })),
      );
      await ta.send(request.bytes, ['127.0.0.1', junk.address().port]);
      const arrived = await seen;
      assert.equal(arrived.port, port, 'sent from the shared port');
      junk.send(new Message(methods.BINDING, classes.RESPONSE, request.transactionId).bytes, port, '127.0.0.1');
      await waitFor(() => got.a.length === 3, { timeoutMs: 2000, what: 'response routed to its sender' });
      assert.equal(got.b.length, 2);

      // A leaves: its addresses and transactions go, B keeps working.
      await ta.close();
      assert.equal(ta.closed, true);
      await ta.send(Buffer.from([1]), ['127.0.0.1', 9]);
      ca.send(Buffer.from([0x17]), port, '127.0.0.1');
      cb.send(Buffer.from([0x81]), port, '127.0.0.1');
      await waitFor(() => got.b.length === 3, { timeoutMs: 2000, what: 'B after A left' });
      assert.equal(got.a.length, 3);
      assert.equal(mux.peerCount, 1);
      b.close();
      assert.deepEqual(mux.sizes, { peers: 0, addresses: 0, transactions: 0 });
    } finally {
      for (const socket of [ca, cb, junk]) socket.close();
    }
  });

  it('a port already taken fails start with WEBRTC_LISTEN_FAILED', async () => {
    const other = new UdpMux('127.0.0.1', port, [4], log);
    await assert.rejects(other.start(), (err: Error & { code?: string }) => err.code === 'WEBRTC_LISTEN_FAILED');
    assert.equal(other.register('cccc'), undefined, 'nothing bound: peers use their own sockets');
  });

  it('after stop, registered peers send nothing (no throw from a closed socket)', async () => {
    const own = new UdpMux('127.0.0.1', 0, [4], log);
    await own.start();
    const endpoint = own.register('dddd');
    const transport = endpoint?.claim(4);
    assert.ok(transport);
    await own.stop();
    assert.equal(transport.closed, true);
    await transport.send(Buffer.from([0x80]), ['127.0.0.1', 9]);
    assert.deepEqual(own.sizes, { peers: 0, addresses: 0, transactions: 0 });
  });
});
