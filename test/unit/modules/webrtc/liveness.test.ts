import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeerLiveness } from '../../../../addon/src/modules/webrtc/liveness.js';

describe('PeerLiveness (consent expiry of a connected WebRTC peer)', () => {
  it('a peer heard from within the timeout stays; one silent for longer is dropped at the next tick', () => {
    const liveness = new PeerLiveness(2000, 1000, 0);
    assert.equal(liveness.tick(1000), false);
    liveness.seen(1500);
    assert.equal(liveness.tick(2000), false);
    assert.equal(liveness.tick(3000), false);
    assert.equal(liveness.tick(3500), false, '2000 ms of silence is not more than the timeout');
    assert.equal(liveness.tick(4000), true);
  });

  it('an answered check counts from when it was sent, and an older time never moves the last one back', () => {
    const liveness = new PeerLiveness(2000, 1000, 0);
    liveness.seen(2500);
    liveness.seen(1800);
    assert.equal(liveness.tick(1000), false);
    assert.equal(liveness.tick(2000), false);
    assert.equal(liveness.tick(3000), false);
    assert.equal(liveness.tick(4000), false);
    assert.equal(liveness.tick(5000), true);
  });

  it('a late tick (the process stalled past the timeout) judges nothing; the next one does', () => {
    const liveness = new PeerLiveness(2000, 1000, 0);
    assert.equal(liveness.tick(1000), false);
    // A 2.5 s stall: the peer's datagrams are still unread in the socket when this tick runs.
    assert.equal(liveness.tick(4500), false);
    liveness.seen(4510);
    assert.equal(liveness.tick(5500), false, 'read after the stall: alive');
    // A peer really gone is still dropped, one tick later than it would have been.
    const gone = new PeerLiveness(2000, 1000, 0);
    assert.equal(gone.tick(4500), false);
    assert.equal(gone.tick(5500), true);
  });

  it('ticks a little late (timer jitter, under half an interval) still judge', () => {
    const liveness = new PeerLiveness(2000, 1000, 0);
    assert.equal(liveness.tick(1400), false);
    assert.equal(liveness.tick(2800), true);
  });
});
