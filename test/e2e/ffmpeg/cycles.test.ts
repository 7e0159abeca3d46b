import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestConsumer, wantMedia } from '../../helpers/test-consumer.js';
import { waitFor } from '../../helpers/wait.js';
import { startTs2rtc, type RunningTs2rtc } from '../rtsp-server/server-harness.js';
import { children, noZombies, sourceFfmpegs, waitForCount } from './procs.js';

/**
 * 200 start/stop cycles of ffmpeg sources through the hub, the way viewers come and go: half of them watch
 * until frames arrive, half hang up at a random moment while ffmpeg is still starting (before it publishes,
 * or right as it does). Every cycle must start a new process, and at the end no ffmpeg and no zombie is left.
 * The input is ffmpeg's own test source (no camera), so a cycle costs ~0.3 s; ten streams run side by side.
 */
const STREAMS = 10;
const CYCLES_PER_STREAM = 20;

/** Seeded, so a failure replays with the same hang-up times. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

describe('ffmpeg: 200 start/stop cycles', () => {
  let server: RunningTs2rtc;
  const input = (i: number): string => `testsrc2=size=${160 + 2 * i}x90:rate=25`;
  before(async () => {
    const streams: Record<string, string> = {};
    for (let i = 0; i < STREAMS; i++)
      streams[`s${i}`] = `ffmpeg:${input(i)}#input=-re -f lavfi -i {input}#video=h264/ultra`;
    server = await startTs2rtc({ streams });
  });
  after(() => server?.stop());

  it('start a new process each time, and leave no process and no zombie', async (t) => {
    const random = prng(42);
    const seen = new Set<number>();
    let watched = 0;
    let abandoned = 0;
    const mine = (i: number) => sourceFfmpegs(server.rtspPort).filter((p) => p.args.includes(input(i)));
    const started = performance.now();
    await Promise.all(
      Array.from({ length: STREAMS }, async (_, i) => {
        const stream = server.server.app.streams.get(`s${i}`);
        assert.ok(stream);
        for (let cycle = 0; cycle < CYCLES_PER_STREAM; cycle++) {
          // The previous process must be gone, so this cycle really starts one.
          await waitForCount(() => mine(i).length, 0, 5000, `s${i} idle before cycle ${cycle}`);
          const viewer = new TestConsumer([wantMedia('video', 'H264')]);
          if (cycle % 2 === 0) {
            await stream.addConsumer(viewer);
            await viewer.waitForPackets(3, 10_000);
            for (const p of mine(i)) seen.add(p.pid);
            watched++;
          } else {
            const adding = stream.addConsumer(viewer).catch(() => undefined);
            await new Promise((resolve) => setTimeout(resolve, random() * 400));
            for (const p of mine(i)) seen.add(p.pid);
            abandoned++;
            await viewer.stop();
            await adding;
          }
          stream.removeConsumer(viewer);
        }
      }),
    );
    await waitForCount(() => sourceFfmpegs(server.rtspPort).length, 0, 5000, 'every ffmpeg gone');
    // A process that has just exited is a zombie until node's SIGCHLD handler reaps it (a few ms, more on a
    // loaded machine): wait for that, then assert nothing of any kind is left.
    await waitForCount(
      () => children().filter((p) => p.comm === 'ffmpeg').length,
      0,
      5000,
      'every ffmpeg child reaped',
    );
    await noZombies();
    const ffmpegChildren = children().filter((p) => p.comm === 'ffmpeg');
    t.diagnostic(
      `${watched + abandoned} cycles (${watched} watched, ${abandoned} abandoned while starting) in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `${seen.size} distinct ffmpeg pids observed`,
    );
    assert.equal(watched + abandoned, STREAMS * CYCLES_PER_STREAM);
    assert.ok(
      seen.size >= watched,
      `each watched cycle had its own process (${seen.size} pids for ${watched} watched cycles)`,
    );
    assert.deepEqual(ffmpegChildren, [], 'no ffmpeg child of any kind is left');
    // The hub's streams are idle again: nothing is left attached.
    for (let i = 0; i < STREAMS; i++) {
      await waitFor(() => server.server.app.streams.get(`s${i}`)?.toJSON().consumers === null, {
        timeoutMs: 2000,
        what: `s${i} without consumers`,
      });
    }
  });
});
