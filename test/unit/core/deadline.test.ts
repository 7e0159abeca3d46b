import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Deadline } from '../../../addon/src/core/deadline.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** This process does not run for `ms` (a long GC, a paused VM): timers fall due, socket data waits unread. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('Deadline', () => {
  it('runs once its time is up, after the I/O poll; clear() before that, or a second arm(), change nothing of it', async (t) => {
    // setTimeout is mocked; the setImmediate after it is the real one (the runner needs its own).
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let runs = 0;
    const deadline = new Deadline(() => runs++);
    deadline.arm(20);
    deadline.arm(500);
    assert.equal(deadline.armed, true);
    t.mock.timers.tick(19);
    await nextTurn();
    assert.equal(runs, 0);
    t.mock.timers.tick(1);
    assert.equal(runs, 0, 'not from the timer itself');
    await nextTurn();
    assert.equal(runs, 1);
    assert.equal(deadline.armed, false);
    t.mock.timers.tick(1000);
    await nextTurn();
    assert.equal(runs, 1, 'the second arm() did not start another countdown');
    deadline.arm(20);
    t.mock.timers.tick(20);
    deadline.clear();
    await nextTurn();
    assert.equal(runs, 1, 'cleared between the timer and its setImmediate');
  });

  describe('after a stall of the process', () => {
    let server: Server;
    let sender: Socket;
    let receiver: Socket;
    before(async () => {
      server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      assert.ok(address && typeof address === 'object');
      const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
      sender = connect(address.port, '127.0.0.1');
      receiver = await accepted;
    });
    after(async () => {
      sender.destroy();
      receiver.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('waits for the socket events that came meanwhile, which a plain timer does not', async () => {
      const order: string[] = [];
      const deadline = new Deadline(() => order.push('deadline expired'));
      const onData = (): void => {
        order.push('data');
        deadline.clear();
      };
      receiver.on('data', onData);
      try {
        deadline.arm(10);
        setTimeout(() => order.push('plain timer'), 10);
        sender.write('x');
        stall(100);
        await sleep(50);
        assert.deepEqual(order, ['plain timer', 'data']);
      } finally {
        receiver.off('data', onData);
      }
    });
  });
});
