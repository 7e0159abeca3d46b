import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { countFrames } from '../../peers/ffmpeg.js';
import { startGstCamera } from '../../peers/gst-camera.js';
import { netnsGuard } from '../../peers/netns.js';

/** `blockUdp`: UDP sends fail with EACCES while TCP (and the peers over it) keep working. */

if (netnsGuard(import.meta.url, { blockUdp: true })) {
  describe('inside a private network namespace without UDP', () => {
    it('refuses every UDP send with EACCES', async () => {
      const socket = createSocket('udp4');
      const err = await new Promise<Error | null>((resolve) => socket.send('x', 9, '127.0.0.1', (e) => resolve(e)));
      socket.close();
      assert.ok(err, 'the UDP send should fail');
      assert.match(err.message, /EACCES/);
    });

    it('still runs the peers over TCP', async () => {
      const camera = await startGstCamera({ transport: 'tcp' });
      try {
        const count = await countFrames(camera.url, { seconds: 1, transport: 'tcp' });
        assert.ok(count.frames >= 20, `${count.frames} frames`);
      } finally {
        await camera.stop();
      }
    });
  });
}
