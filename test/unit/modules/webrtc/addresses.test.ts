import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import {
  BoundedLookup,
  boundFamily,
  hostAddresses,
  listenerHosts,
  PublicAddressResolver,
} from '../../../../addon/src/modules/webrtc/addresses.js';
import { webrtcSettings } from '../../../../addon/src/modules/webrtc/config.js';
import { createTestApp } from '../../../helpers/app.js';

/** A STUN server on loopback that answers every binding request with 198.51.100.7:40000 (XOR-MAPPED-ADDRESS). */
async function fakeStun(): Promise<{ port: number; requests: number; close: () => void }> {
  const socket = createSocket('udp4');
  const state = { port: 0, requests: 0, close: () => socket.close() };
  socket.on('message', (msg, rinfo) => {
    state.requests++;
    const id = msg.subarray(8, 20);
    const port = 40000 ^ 0x2112;
    const ip = [198 ^ 0x21, 51 ^ 0x12, 100 ^ 0xa4, 7 ^ 0x42];
    const attr = Buffer.from([0x00, 0x20, 0x00, 0x08, 0x00, 0x01, port >> 8, port & 0xff, ...ip]);
    socket.send(Buffer.concat([Buffer.from('0101000c2112a442', 'hex'), id, attr]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  state.port = socket.address().port;
  return state;
}

describe('addresses', () => {
  it('listenerHosts: a wildcard answers on every advertised address, a specific one on itself or none', () => {
    const allowed = ['192.168.1.5', '127.0.0.1', '::1'];
    assert.deepEqual(listenerHosts(undefined, allowed), allowed);
    assert.deepEqual(listenerHosts('0.0.0.0', allowed), allowed);
    assert.deepEqual(listenerHosts('::', allowed), allowed);
    assert.deepEqual(listenerHosts('localhost', allowed), allowed);
    assert.deepEqual(listenerHosts('127.0.0.1', allowed), ['127.0.0.1']);
    assert.equal(listenerHosts('127.0.0.1', ['192.168.1.5']), undefined);
    assert.deepEqual([undefined, '0.0.0.0', '::', 'localhost', '127.0.0.1', '::1', 'fd00::2'].map(boundFamily), [
      undefined,
      undefined,
      undefined,
      undefined,
      4,
      6,
      6,
    ]);
  });

  it('stun:PORT candidates: our public address from the STUN server, asked once and cached', async () => {
    const stun = await fakeStun();
    try {
      const resolver = new PublicAddressResolver({ host: '127.0.0.1', port: stun.port });
      assert.equal(await resolver.resolve(), '198.51.100.7');
      assert.equal(await resolver.resolve(), '198.51.100.7');
      assert.equal(stun.requests, 1);
    } finally {
      stun.close();
    }
  });

  it('no answer in time: undefined, so the candidate is left out rather than the offer failing', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    try {
      const resolver = new PublicAddressResolver({ host: '127.0.0.1', port: silent.address().port }, 1000, 150);
      assert.equal(await resolver.resolve(), undefined);
      assert.equal(await new PublicAddressResolver(undefined).resolve(), undefined);
    } finally {
      silent.close();
    }
  });

  it('host addresses: loopback only with filters.loopback, and filters.ips narrows them', () => {
    const settings = (webrtc: Record<string, unknown>) =>
      webrtcSettings(createTestApp({ config: { webrtc } }).config.webrtc);
    assert.ok(!hostAddresses(settings({})).some((ip) => ip.startsWith('127.') || ip === '::1'));
    assert.ok(hostAddresses(settings({ filters: { loopback: true } })).includes('127.0.0.1'));
    assert.deepEqual(hostAddresses(settings({ filters: { loopback: true, ips: ['127.0.0.1'] } })), ['127.0.0.1']);
    assert.deepEqual(
      hostAddresses(settings({ filters: { loopback: true, networks: ['tcp6'], ips: ['127.0.0.1'] } })),
      [],
    );
  });
});

describe('BoundedLookup', () => {
  it('IP literals as they are (of the asked family); names through the system resolver (/etc/hosts here)', async () => {
    const names = new BoundedLookup(2000);
    assert.equal(await names.lookup('127.0.0.1', 4), '127.0.0.1');
    assert.equal(await names.lookup('::1', 6), '::1');
    assert.equal(await names.lookup('::1', 4), undefined);
    assert.equal(await names.lookup('localhost', 4), '127.0.0.1');
    // No DNS query here: a resolver that hangs is tested in its own namespace (test/e2e/webrtc/ice-timing.test.ts).
  });
});
