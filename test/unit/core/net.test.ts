import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { isLoopbackAddress, lookupNow, parseListenAddress } from '../../../addon/src/core/net.js';
import { parseListen as parseApiListen } from '../../../addon/src/modules/api/server.js';
import { parseListen as parseRtmpListen } from '../../../addon/src/modules/rtmp/server.js';
import { parseListen as parseRtspListen } from '../../../addon/src/modules/rtsp/server/server.js';

const BAD = ['localhost', ':', ':abc', ':65536', '1984', ':-1', ':1.5', ':0x10', ' :80', ':80 '];

describe('parseListenAddress', () => {
  it('reads go2rtc listen values', () => {
    assert.deepEqual(parseListenAddress(':8554'), { host: undefined, port: 8554 });
    assert.deepEqual(parseListenAddress('0.0.0.0:1935'), { host: '0.0.0.0', port: 1935 });
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress('[::]:8555'), { host: '::', port: 8555 });
    assert.deepEqual(parseListenAddress('localhost:65535'), { host: 'localhost', port: 65535 });
  });
  it('refuses values without a usable port', () => {
    for (const bad of BAD) assert.equal(parseListenAddress(bad), undefined, JSON.stringify(bad));
  });
  it('is the rule of every listener, each with its own error code', () => {
    for (const bad of BAD) {
      assert.throws(() => parseApiListen(bad), { code: 'API_LISTEN_INVALID' }, bad);
      assert.throws(() => parseRtspListen(bad), { code: 'RTSP_TRANSPORT' }, bad);
      assert.throws(() => parseRtmpListen(bad), { code: 'RTMP_LISTEN' }, bad);
    }
    for (const good of [':8554', '[::1]:1935', '127.0.0.1:0']) {
      const want = parseListenAddress(good);
      assert.deepEqual(parseApiListen(good), want);
      assert.deepEqual(parseRtspListen(good), want);
      assert.deepEqual(parseRtmpListen(good), want);
    }
  });
});

describe('isLoopbackAddress', () => {
  it('matches 127.*, ::1 and IPv4-mapped 127.*; a socket without an address is not loopback', () => {
    for (const yes of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      assert.equal(isLoopbackAddress(yes), true, yes);
    for (const no of ['192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '10.127.0.1', '', undefined]) {
      assert.equal(isLoopbackAddress(no), false, String(no));
    }
  });
});

describe('lookupNow (dgram sockets that send at once)', () => {
  it('answers an IP address in the same call, a name through DNS', async () => {
    const answers: Array<[string, number]> = [];
    lookupNow('127.0.0.1', { family: 4 }, (err, address, family) => answers.push([address, family]));
    lookupNow('::1', { family: 6 }, (err, address, family) => answers.push([address, family]));
    assert.deepEqual(answers, [
      ['127.0.0.1', 4],
      ['::1', 6],
    ]);
    const named = await new Promise<string>((resolve, reject) =>
      lookupNow('localhost', { family: 4 }, (err, address) => (err ? reject(err) : resolve(address))),
    );
    assert.equal(named, '127.0.0.1');
  });

  it("sends before the caller returns: its datagram overtakes one dgram's own lookup sent first", async () => {
    const rx = createSocket('udp4');
    const deferred = createSocket('udp4');
    const immediate = createSocket({ type: 'udp4', lookup: lookupNow });
    try {
      const bound = (socket: typeof rx): Promise<number> =>
        new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
      const [port] = await Promise.all([bound(rx), bound(deferred), bound(immediate)]);
      const order: string[] = [];
      const both = new Promise<void>((resolve) =>
        rx.on('message', (data) => {
          order.push(data.toString());
          if (order.length === 2) resolve();
        }),
      );
      deferred.send('default lookup', port, '127.0.0.1');
      immediate.send('lookupNow', port, '127.0.0.1');
      await both;
      assert.deepEqual(order, ['lookupNow', 'default lookup']);
    } finally {
      for (const socket of [rx, deferred, immediate]) socket.close();
    }
  });
});
