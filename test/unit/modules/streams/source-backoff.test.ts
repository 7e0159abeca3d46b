import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import pino from 'pino';
import type { Codec } from '../../../../addon/src/core/codec.js';
import { ConsumerBase } from '../../../../addon/src/core/consumer.js';
import type { Media } from '../../../../addon/src/core/media.js';
import type { Packet } from '../../../../addon/src/core/packet.js';
import { ProducerBase } from '../../../../addon/src/core/producer.js';
import type { Receiver } from '../../../../addon/src/core/track.js';
import { StreamHub } from '../../../../addon/src/modules/streams/hub.js';

/**
 * The reconnect policy of a source with viewers waiting: capped exponential backoff for sources that fail
 * to open, fail at start (PLAY refused) or flap (start, then die at once), and the delays start over only
 * after a source played for `stableMs`. It runs on mocked timers and a mocked clock (`Date`, which the hub's
 * `now` reads here): every attempt time is exact, whatever the machine's load. The delays are the scaled-down
 * schedule 10, 20, 40, 80 ms.
 */

const H264: Codec = { name: 'H264', clockRate: 90000, channels: 0 };
const VIDEO: Media = { kind: 'video', direction: 'recvonly', codecs: [H264] };
const DELAYS = [10, 20, 40, 80];
const STABLE_MS = 150;
/** How long a flapping producer plays before the camera hangs up. */
const FLAP_MS = 2;

type Behaviour = 'refuse-start' | 'flap' | 'play';

class ScriptedProducer extends ProducerBase {
  constructor(private readonly behaviour: Behaviour) {
    super({ formatName: 'scripted' }, [VIDEO]);
  }
  async start(): Promise<void> {
    if (this.behaviour === 'refuse-start') throw new Error('503 Service Unavailable');
    if (this.behaviour === 'flap') setTimeout(() => void this.close(new Error('camera hung up')), FLAP_MS);
    for (const track of this.tracks)
      track.receiver.write({ payload: Buffer.from([0x65]), timestamp: 0, keyframe: true });
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
  const hub = new StreamHub(pino({ level: 'silent' }), {
    idleStopMs: 1000,
    retryDelaysMs: DELAYS,
    stableMs: STABLE_MS,
    now: () => Date.now(),
  });
  const opens: number[] = [];
  const producers: ScriptedProducer[] = [];
  hub.registerSource('scripted', async () => {
    opens.push(Date.now());
    const b = behaviour();
    if (b === 'refuse-open') throw new Error('connection refused');
    const producer = new ScriptedProducer(b);
    producers.push(producer);
    return producer;
  });
  return { hub, opens, producers };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] ?? 0));
/** Lets the promise chains that a timer started run to their end (setImmediate is not mocked). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};
/** Moves the mocked clock on by `ms`, one millisecond at a time, letting each step's work finish. */
async function sleep(ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    mock.timers.tick(1);
    await settle();
  }
}
/** Moves the mocked clock on until `condition` holds (at most `timeoutMs` of it). */
async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  await settle();
  for (let waited = 0; !condition(); waited++) {
    if (waited >= timeoutMs) throw new Error('condition not met in time');
    await sleep(1);
  }
}

/**
 * Each gap is exactly its scheduled delay, or that plus the FLAP_MS a flapping producer plays before it dies
 * (the clock is mocked: nothing else moves it), and the cap holds from the 4th on.
 */
function assertBackoff(times: number[]): void {
  const g = gaps(times);
  g.forEach((gap, i) => {
    const delay = DELAYS[Math.min(i, DELAYS.length - 1)] ?? 0;
    assert.ok(
      gap === delay || gap === delay + FLAP_MS,
      `gap ${i} is ${gap} ms, want ${delay} (+${FLAP_MS} for a flap), in ${g.join(', ')}`,
    );
  });
}

describe('source reconnect backoff', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

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
      const healedAt = Date.now();
      await until(() => viewer.got.length > 0 && opens.length > attempts);
      assert.ok(Date.now() - healedAt <= DELAYS.at(-1)!, `resumed ${Date.now() - healedAt} ms after, within the cap`);
      assert.equal(stream.consumerCount, 1, 'the viewer waited through it');
      await hub.stop();
    });
  }

  it('viewers retrying at once against a source that cannot open share one attempt per delay', async () => {
    const { hub, opens } = setup(() => 'refuse-open');
    const stream = hub.set('cam', ['scripted:cam'], 'config');
    const started = Date.now();
    let refused = 0;
    while (Date.now() - started < 300) {
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
    const dropAt = Date.now();
    await producers.at(-1)?.stop();
    await until(() => opens.length > before);
    const again = (opens.at(-1) ?? 0) - dropAt;
    assert.ok(again < DELAYS.at(-1)! - 10, `reconnected after ${again.toFixed(0)} ms, the first delay, not the cap`);
    await hub.stop();
  });
});
