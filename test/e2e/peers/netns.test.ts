import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { netnsGuard } from '../../peers/netns.js';

/** The namespace helper itself: run normally, this file re-runs inside a private network namespace. */

function sendUdp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.send(Buffer.from('ping'), port, host, (err) => {
      socket.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

if (netnsGuard(import.meta.url)) {
  describe('inside a private network namespace', () => {
    it('has only the loopback interface, up', () => {
      const names = Object.keys(networkInterfaces());
      assert.deepEqual(names, ['lo']);
      assert.ok(networkInterfaces()['lo']?.some((a) => a.address === '127.0.0.1'));
    });

    it('routes multicast to lo, so an mDNS send works instead of ENETUNREACH', async () => {
      await sendUdp('224.0.0.251', 5353);
    });

    it('delivers loopback UDP', async () => {
      const receiver = createSocket('udp4');
      await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', () => resolve()));
      const got = new Promise<string>((resolve) => receiver.once('message', (msg) => resolve(msg.toString())));
      await sendUdp('127.0.0.1', receiver.address().port);
      assert.equal(await got, 'ping');
      receiver.close();
    });
  });
}
