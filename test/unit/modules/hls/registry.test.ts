import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { Event } from '../../../../addon/src/core/event.js';
import { HlsError } from '../../../../addon/src/modules/hls/errors.js';
import { HlsSessionRegistry, newSessionId } from '../../../../addon/src/modules/hls/registry.js';
import type { HlsSession } from '../../../../addon/src/modules/hls/session.js';

/** The keepalive is a Deadline: it runs from setImmediate (not mocked here) after its timer. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** fake_session: the registry only uses id, isClosed, close() and onClose (a real one needs a stream). */
function fakeSession(id: string): HlsSession & { closes: number } {
  const onClose = new Event<[]>();
  const fake = {
    id,
    closes: 0,
    isClosed: false,
    onClose,
    close() {
      if (fake.isClosed) return;
      fake.isClosed = true;
      fake.closes++;
      onClose.emit();
    },
  };
  return fake as unknown as HlsSession & { closes: number };
}

describe('HlsSessionRegistry', () => {
  it('ids are 8 characters of [A-Za-z0-9]', () => {
    for (let i = 0; i < 100; i++) assert.match(newSessionId(), /^[A-Za-z0-9]{8}$/);
  });

  it('a session expires keepaliveMs after its last request, and leaves no timer behind', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const registry = new HlsSessionRegistry(5000);
      const session = fakeSession('abc');
      registry.add(session);
      mock.timers.tick(4000);
      assert.equal(await registry.use('abc', (s) => s), session);
      mock.timers.tick(4000);
      await nextTurn();
      assert.equal(session.closes, 0, 'the request restarted the keepalive');
      mock.timers.tick(1000);
      await nextTurn();
      assert.equal(session.closes, 1);
      assert.equal(registry.size, 0);
      await assert.rejects(
        registry.use('abc', (s) => s),
        (e: unknown) => e instanceof HlsError && e.code === 'HLS_SESSION_NOT_FOUND',
      );
    } finally {
      mock.timers.reset();
    }
  });

  it('a request still being answered (waiting for a segment) holds the keepalive off', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const registry = new HlsSessionRegistry(5000);
      const session = fakeSession('w');
      registry.add(session);
      let answer = (): void => {};
      const pending = registry.use('w', () => new Promise<void>((resolve) => (answer = resolve)));
      mock.timers.tick(20_000);
      await nextTurn();
      assert.equal(session.closes, 0);
      answer();
      await pending;
      mock.timers.tick(4999);
      await nextTurn();
      assert.equal(session.closes, 0);
      mock.timers.tick(1);
      await nextTurn();
      assert.equal(session.closes, 1);
    } finally {
      mock.timers.reset();
    }
  });

  it('a session that ends by itself (stream gone) leaves at once; closeAll ends the rest', () => {
    const registry = new HlsSessionRegistry(60_000);
    const a = fakeSession('a');
    const b = fakeSession('b');
    registry.add(a);
    registry.add(b);
    a.close();
    assert.equal(registry.size, 1);
    registry.closeAll();
    assert.equal(b.closes, 1);
    assert.equal(registry.size, 0);
  });
});
