import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Liveness } from '../../../addon/src/core/liveness.js';

describe('Liveness (ICE consent expiry, a camera that stops sending)', () => {
  it('a peer heard from within the timeout stays; one silent for longer is dropped at the next tick', () => {
    const liveness = new Liveness(2000, 1000, 0);
    assert.equal(liveness.tick(1000), false);
    liveness.seen(1500);
    assert.equal(liveness.tick(2000), false);
    assert.equal(liveness.tick(3000), false);
    assert.equal(liveness.tick(3500), false, '2000 ms of silence is not more than the timeout');
    assert.equal(liveness.tick(4000), true);
    assert.equal(liveness.silence(4000), 2500);
  });

  it('an answered check counts from when it was sent, and an older time never moves the last one back', () => {
    const liveness = new Liveness(2000, 1000, 0);
    liveness.seen(2500);
    liveness.seen(1800);
    assert.equal(liveness.tick(1000), false);
    assert.equal(liveness.tick(2000), false);
    assert.equal(liveness.tick(3000), false);
    assert.equal(liveness.tick(4000), false);
    assert.equal(liveness.tick(5000), true);
  });

  it('after a stall past the timeout the time the tick was late is not silence; the next tick judges', () => {
    const liveness = new Liveness(2000, 1000, 0);
    assert.equal(liveness.tick(1000), false);
    // A 2.5 s stall: the peer's datagrams are still unread in the socket when this tick runs.
    assert.equal(liveness.tick(4500), false);
    liveness.seen(4510);
    assert.equal(liveness.tick(5500), false, 'read after the stall: alive');
    // A peer really gone is still dropped, one tick later than it would have been.
    const gone = new Liveness(2000, 1000, 0);
    assert.equal(gone.tick(4500), false);
    assert.equal(gone.tick(5500), true);
  });

  it('a loop that runs late all the time still judges, later by that much', () => {
    const liveness = new Liveness(2000, 1000, 0);
    assert.equal(liveness.tick(1400), false);
    assert.equal(liveness.tick(2800), true, '2800 ms of silence, 400 of it unverified');
    // Every tick 300 ms late: gone at the tick where silence less that lag is over the timeout.
    const lagging = new Liveness(2000, 1000, 0);
    assert.equal(lagging.tick(1300), false);
    assert.equal(lagging.tick(2600), true);
  });

  it('tickCount: a counter that moved since the last tick is a sign of life; one that stands still is silence', () => {
    const liveness = new Liveness(2000, 1000, 0);
    assert.equal(liveness.tickCount(100, 1000), false, 'the first look only notes the count');
    assert.equal(liveness.tickCount(100, 2000), false);
    assert.equal(liveness.tickCount(250, 3000), false, 'moved: seen at 3000');
    assert.equal(liveness.tickCount(250, 4000), false);
    assert.equal(liveness.tickCount(250, 5000), false, '2000 ms of silence is not more than the timeout');
    assert.equal(liveness.tickCount(250, 6000), true);
  });
});
