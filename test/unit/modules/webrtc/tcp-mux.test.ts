import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Message, classes, methods } from 'werift';
import { TcpMux } from '../../../../addon/src/modules/webrtc/tcp-mux.js';
import { MuxedTcpProtocol } from '../../../../addon/src/modules/webrtc/werift-shim.js';
import { encodeFrameHeader } from '../../../../addon/src/pkg/webrtc/tcp-frame.js';
import { waitFor } from '../../../helpers/wait.js';

function framed(data: Buffer): Buffer {
  return Buffer.concat([encodeFrameHeader(data.length), data]);
}

function bindingRequest(username: string): Buffer {
  const message = new Message(methods.BINDING, classes.REQUEST);
  message.setAttribute('USERNAME', username);
  return message.bytes;
}

async function dial(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

describe('the shared ICE-TCP port', () => {
  const mux = new TcpMux('127.0.0.1', 0, pino({ level: 'silent' }), { firstFrameTimeoutMs: 200 });
  let port = 0;
  before(async () => {
    port = await mux.start();
  });
  after(() => mux.stop());

  it('hands a connection to the peer its first STUN request names, with every byte in order', async () => {
    const a = new MuxedTcpProtocol(port);
    const b = new MuxedTcpProtocol(port);
    const unregisterA = mux.register('aaaa', a);
    mux.register('bbbb', b);
    const requests: string[] = [];
    const data: string[] = [];
    b.onRequestReceived.subscribe((message) => requests.push(String(message.getAttributeValue('USERNAME'))));
    b.onDataReceived.subscribe((bytes) => data.push(bytes.toString()));
    a.onRequestReceived.subscribe(() => assert.fail('routed to the wrong peer'));
    const socket = await dial(port);
    // The request split across writes, a DTLS-ish frame right behind it in the same write.
    const first = framed(bindingRequest('bbbb:remote'));
    socket.write(first.subarray(0, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(Buffer.concat([first.subarray(5), framed(Buffer.from('\x16dtls-hello'))]));
    await waitFor(() => requests.length === 1 && data.length === 1, {
      timeoutMs: 10_000,
      what: 'request and data at peer b',
    });
    assert.deepEqual(requests, ['bbbb:remote']);
    assert.equal(data[0], '\x16dtls-hello');
    assert.deepEqual(mux.stats, { accepted: 1, routed: 1, rejected: 0 });
    unregisterA();
    assert.equal(mux.has('aaaa'), false);
    await b.close();
    await closed(socket);
    assert.equal(mux.has('bbbb'), true, 'closing the protocol alone does not unregister (the consumer does)');
  });

  it('refuses unknown ufrags, non-STUN first frames, oversized frames and silent connections', async () => {
    const rejected = mux.stats.rejected;
    const unknown = await dial(port);
    unknown.write(framed(bindingRequest('zzzz:x')));
    await closed(unknown);
    const tls = await dial(port);
    tls.write(Buffer.from('160301020000', 'hex'));
    await closed(tls);
    const notStun = await dial(port);
    notStun.write(framed(Buffer.from('GET / HTTP/1.1\r\n')));
    await closed(notStun);
    const silent = await dial(port);
    await closed(silent);
    assert.equal(mux.stats.rejected - rejected, 4);
  });
});
