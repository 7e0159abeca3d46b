import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Codec } from '../../../../addon/src/core/codec.js';
import { ConsumerBase } from '../../../../addon/src/core/consumer.js';
import type { Media } from '../../../../addon/src/core/media.js';
import type { Packet } from '../../../../addon/src/core/packet.js';
import { ProducerBase } from '../../../../addon/src/core/producer.js';
import type { Receiver } from '../../../../addon/src/core/receiver.js';
import { StreamHub } from '../../../../addon/src/modules/streams/hub.js';

/**
 * The reconnect policy of a source with viewers waiting: capped exponential backoff for sources that fail
 * to open, fail at start (PLAY refused) or flap (start, then die at once), and the delays start over only
 * after a source played for `stableMs`. The times are scaled down (10 ms first delay) so the schedule shows
 * within a second; what is asserted is the shape of the attempt times.
 */

const H264: Codec = { name: 'H264', clockRate: 90000, channels: 0 };
const VIDEO: Media = { kind: 'video', direction: 'recvonly', codecs: [H264] };
const DELAYS = [10, 20, 40, 80];
const STABLE_MS = 150;

type Behaviour = 'refuse-start' | 'flap' | 'play';

class ScriptedProducer extends ProducerBase {
  constructor(private readonly behaviour: Behaviour) {
    super({ formatName: 'scripted' }, [VIDEO]);
  }
  async start(): Promise<void> {
    if (this.behaviour === 'refuse-start') throw new Error('503 Service Unavailable');
    if (this.behaviour === 'flap') setTimeout(() => void this.close(new Error('camera hung up')), 2);
    for (const track of this.tracks) track.receiver.write({ payload: Buffer.from([0x65]), timestamp: 0, keyframe: true });
  }
  protected async release(): Promise<void> {}
}

class Viewer extends ConsumerBase {
  readonly got: Packet[] = [];
  constructor() {
    super({ formatName: 'viewer' }, [{ kind: 'video', direction: 'sendonly', codecs: [H264] }]);
  }
  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    this.attach(media, codec, receiver, (p) => (this.got.push(p), true));
  }
  protected async release(): Promise<void> {}
}

/** A hub whose `scripted:` source behaves as `behaviour()` says at each open; the open times are recorded. */
function setup(behaviour: () => Behaviour | 'refuse-open') {
  const hub = new StreamHub(pino({ level: 'silent' }), { idleStopMs: 1000, retryDelaysMs: DELAYS, stableMs: STABLE_MS });
  const opens: number[] = [];
  const producers: ScriptedProducer[] = [];
  hub.registerSource('scripted', async () => {
    opens.push(performance.now());
    const b = behaviour();
    if (b === 'refuse-open') throw new Error('connection refused');
    const producer = new ScriptedProducer(b);
    producers.push(producer);
    return producer;
  });
  return { hub, opens, producers };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] ?? 0));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(2);
  }
}

/** Each gap is at least the scheduled delay (timers never fire early), and the cap holds from the 4th on. */
function assertBackoff(times: number[]): void {
  const g = gaps(times);
  g.forEach((gap, i) => assert.ok(gap >= (DELAYS[Math.min(i, DELAYS.length - 1)] ?? 0) - 1, `gap ${i} ${gap.toFixed(0)} ms in ${g.map((x) => x.toFixed(0)).join(', ')}`));
}

describe('source reconnect backoff', () => {
  for (const failure of ['refuse-start', 'flap', 'refuse-open'] as const) {
    it(`${failure}: attempts back off to the cap (no hot loop), and the source resumes by itself`, async () => {
      let healthy = false;
      // The first open succeeds (the viewer is attached); every later one fails until the source is healthy.
      let first = true;
      const { hub, opens } = setup(() => {
        if (healthy) return 'play';
        if (failure === 'refuse-open' && first) {
          first = false;
          return 'flap';
        }
        return failure;
      });
      const stream = hub.set('cam', ['scripted:cam'], 'config');
      const viewer = new Viewer();
      await stream.addConsumer(viewer);
      await sleep(600);
      const attempts = opens.length;
      // Delays 10, 20, 40, then 80 ms: in 600 ms about 3 + 540/80 ≈ 10 attempts; a hot loop would make hundreds.
      assert.ok(attempts >= 5 && attempts <= 12, `${attempts} attempts in 600 ms`);
      assertBackoff(opens);
      healthy = true;
      const healedAt = performance.now();
      await until(() => viewer.got.length > 0 && opens.length > attempts);
      assert.ok(performance.now() - healedAt <= DELAYS.at(-1)! + 50, 'resumed within the cap');
      assert.equal(stream.consumerCount, 1, 'the viewer waited through it');
      await hub.stop();
    });
  }

  it('viewers retrying at once against a source that cannot open share one attempt per delay', async () => {
    const { hub, opens } = setup(() => 'refuse-open');
    const stream = hub.set('cam', ['scripted:cam'], 'config');
    const started = performance.now();
    let refused = 0;
    while (performance.now() - started < 300) {
      await assert.rejects(stream.addConsumer(new Viewer()), { code: 'SOURCE_FAILED', message: /connection refused/ });
      refused++;
      await sleep(1);
    }
    // Opens at 0, 10, 30, 70, 150, 230 ms (the delays 10, 20, 40, 80): each refusal in between is answered
    // with the last error, without dialing.
    assert.ok(refused >= 50, `${refused} refusals`);
    assert.ok(opens.length >= 4 && opens.length <= 8, `${opens.length} opens for ${refused} viewers`);
    assertBackoff(opens);
    await hub.stop();
  });

  it('starts the delays over only after the source played for stableMs', async () => {
    let mode: Behaviour = 'flap';
    const { hub, opens, producers } = setup(() => mode);
    const stream = hub.set('cam', ['scripted:cam'], 'config');
    await stream.addConsumer(new Viewer());
    await until(() => opens.length >= 6);
    // Flapping: each gap grows like a failure's, to the cap.
    assertBackoff(opens);
    assert.ok((gaps(opens).at(-1) ?? 0) >= DELAYS.at(-1)! - 1);
    // Now it plays for longer than stableMs, then drops once: the next attempt comes after the first delay.
    mode = 'play';
    const playing = opens.length;
    await until(() => opens.length > playing);
    await sleep(STABLE_MS + 20);
    const producer = stream.toJSON().producers?.[0];
    assert.ok(producer && !('error' in producer), 'playing without error');
    const before = opens.length;
    // The camera reboots: the running producer ends.
    const dropAt = performance.now();
    await producers.at(-1)?.stop();
    await until(() => opens.length > before);
    const again = (opens.at(-1) ?? 0) - dropAt;
    assert.ok(again < DELAYS.at(-1)! - 10, `reconnected after ${again.toFixed(0)} ms, the first delay, not the cap`);
    await hub.stop();
  });
});
