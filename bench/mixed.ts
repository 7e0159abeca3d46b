/**
 * Mixed load (issue 15), not in the default `npm run bench`: two cameras (4 Mbit/s H264 640x360@25 each,
 * RTSP publishers) with 50 RTSP readers, 10 WebRTC viewers (werift) and 10 MSE clients spread over both, for
 * DURATION (default 10 min), against ts2rtc and then the compare server (bench/lib/target.ts). Reports:
 *   - per consumer, the frames it got over the frames its camera sent in the run (goal: none below 95 %);
 *   - RSS every 30 s (ts2rtc: after a forced GC) and its slope after warm-up (the first quarter of the run): flat, no leak;
 *   - what is left after: consumers listed by /api/streams, open files of the server against before they
 *     came (and against its fresh start once the cameras left), child processes.
 *
 *   npm run bench -- mixed                         10 minutes per server
 *   BENCH_MIXED_SECONDS=120 npm run bench -- mixed (--quick: 60 s)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Camera } from './rtsp/camera.js';
import { encodeClip, type Clip } from './rtsp/clip.js';
import { consumersGone, joinMany, joiner, takeFailedJoins } from './lib/join.js';
import { inOwnNetns, progress } from './lib/netns-run.js';
import type { Consumer, Protocol } from './lib/consumer.js';
import { load1, quantile, quick, writeResult } from './lib/results.js';
import { targets, type Target } from './lib/target.js';

const FILE = fileURLToPath(import.meta.url);
const SECONDS = Number(process.env['BENCH_MIXED_SECONDS'] ?? (quick() ? 60 : 600));
const STREAMS = ['cam', 'cam2'] as const;
/** Consumers per protocol, split evenly over the two cameras. */
const LOAD: ReadonlyArray<[Protocol, number]> = [
  ['rtsp', 50],
  ['webrtc', 10],
  ['mse', 10],
];
/** RSS is read after a forced full GC (ts2rtc): not too often, it stalls the server for a moment. */
const SAMPLE_MS = 30_000;
const SETTLE_MS = 5000;
const FRAME_GOAL = 0.95;

interface Member {
  consumer: Consumer;
  stream: number;
  frames0: number;
  /** Seconds into the run when its connection failed or the server dropped it. */
  failedAt?: number;
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxy / sxx;
}

async function run(
  clip: Clip,
  target: { name: string; start: (streams?: readonly string[]) => Promise<Target> },
): Promise<void> {
  takeFailedJoins();
  const server = await target.start(STREAMS);
  const cameras: Camera[] = [];
  const members: Member[] = [];
  const out = (line: string): void => progress(`[mixed ${server.name}] ${line}`);
  try {
    await sleep(1000);
    const freshFiles = server.openFiles();
    for (const stream of STREAMS) {
      const camera = await Camera.publishRtsp(clip, '127.0.0.1', Number(new URL(server.rtspBase).port), stream);
      camera.start();
      cameras.push(camera);
    }
    await sleep(2000);
    const filesWithCameras = server.openFiles();
    for (const [protocol, count] of LOAD) {
      for (let i = 0; i < count; i++) {
        const stream = i % STREAMS.length;
        const [consumer] = await joinMany(joiner(protocol, server, STREAMS[stream] ?? 'cam'), 1);
        if (consumer) members.push({ consumer, stream, frames0: 0 });
      }
    }
    const failedJoins = takeFailedJoins();
    out(
      `${members.length} consumers playing (${failedJoins.length} joins tried again); ${server.openFiles()} open files (fresh ${freshFiles}, with cameras ${filesWithCameras})`,
    );
    await sleep(SETTLE_MS);
    const cam0 = cameras.map((c) => c.frames);
    for (const m of members) m.frames0 = m.consumer.frames;
    const t0 = performance.now();
    const cpu0 = server.cpuNs();
    const rss: Array<[number, number]> = [];
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    while (performance.now() - t0 < SECONDS * 1000) {
      await sleep(Math.min(SAMPLE_MS, SECONDS * 1000 - (performance.now() - t0)));
      const at = (performance.now() - t0) / 1000;
      rss.push([at, (await server.settledMemory()).rss / 2 ** 20]);
      // A consumer the server drops (or whose connection fails) is what a user would see: counted, not fatal.
      for (const m of members) {
        if (m.consumer.failure && m.failedAt === undefined) {
          m.failedAt = at;
          out(
            `a ${m.consumer.protocol} consumer of ${STREAMS[m.stream]} ended at ${at.toFixed(0)} s: ${m.consumer.failure.message}`,
          );
        }
      }
      if (rss.length % 2 === 0)
        out(`${at.toFixed(0)} s: RSS ${rss.at(-1)?.[1].toFixed(1)} MB, load ${load1().toFixed(1)}`);
    }
    loop.disable();
    const seconds = (performance.now() - t0) / 1000;
    const cpuMsPerS = (server.cpuNs() - cpu0) / 1e6 / seconds;
    const camFrames = cameras.map((c, i) => c.frames - (cam0[i] ?? 0));
    const ratios = members.map((m) => ({
      protocol: m.consumer.protocol,
      ratio: (m.consumer.frames - m.frames0) / (camFrames[m.stream] ?? Number.NaN),
    }));
    const worst = (protocol: Protocol): number =>
      Math.min(...ratios.filter((r) => r.protocol === protocol).map((r) => r.ratio));
    const below = ratios.filter((r) => r.ratio < FRAME_GOAL).length;
    const ended = members.filter((m) => m.failedAt !== undefined);
    const endedBy = (protocol: Protocol): number => ended.filter((m) => m.consumer.protocol === protocol).length;
    const warm = rss.filter(([at]) => at >= seconds / 4);
    const slopeMbPer10Min = slope(warm) * 600;
    // Leave: every consumer, then (after the server let them go) the cameras.
    await Promise.all(members.map((m) => m.consumer.close()));
    const listed = await consumersGone(server);
    await sleep(2000);
    const filesAfterConsumers = server.openFiles();
    for (const c of cameras.splice(0)) c.stop();
    await sleep(3000);
    const filesAfterAll = server.openFiles();
    const children = server.children();
    const sorted = rss.map(([, mb]) => mb).sort((a, b) => a - b);
    out(
      `${seconds.toFixed(0)} s, ${members.length} consumers; CPU ${cpuMsPerS.toFixed(0)} ms/s; frames got / camera sent, worst: ` +
        `RTSP ${(worst('rtsp') * 100).toFixed(1)} %, WebRTC ${(worst('webrtc') * 100).toFixed(1)} %, MSE ${(worst('mse') * 100).toFixed(1)} % ` +
        `(${below} below ${FRAME_GOAL * 100} %); ended early: RTSP ${endedBy('rtsp')}, WebRTC ${endedBy('webrtc')}, MSE ${endedBy('mse')}`,
    );
    out(
      `RSS ${rss[0]?.[1].toFixed(1)} -> ${rss.at(-1)?.[1].toFixed(1)} MB (min ${sorted[0]?.toFixed(1)}, median ${quantile(sorted, 0.5).toFixed(1)}, max ` +
        `${sorted.at(-1)?.toFixed(1)}), slope after warm-up ${slopeMbPer10Min.toFixed(2)} MB per 10 min`,
    );
    out(`RSS samples (s:MB): ${rss.map(([at, mb]) => `${at.toFixed(0)}:${mb.toFixed(1)}`).join(' ')}`);
    out(
      `after: ${listed ?? '? (no /api/streams)'} consumers listed; open files ${filesAfterConsumers} (with cameras, before consumers: ` +
        `${filesWithCameras}), ${filesAfterAll} once the cameras left (fresh: ${freshFiles}); child processes: ${children.length ? children.join(' ') : 'none'}`,
    );
    out(
      `bench event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(0)} ms; load ${load1().toFixed(1)}`,
    );
    writeResult({
      bench: 'mixed',
      server: server.name,
      seconds,
      consumers: members.length,
      cpuMsPerS,
      worstFrameRatio: { rtsp: worst('rtsp'), webrtc: worst('webrtc'), mse: worst('mse') },
      belowGoal: below,
      endedEarly: { rtsp: endedBy('rtsp'), webrtc: endedBy('webrtc'), mse: endedBy('mse') },
      rssFirstMb: rss[0]?.[1] ?? Number.NaN,
      rssLastMb: rss.at(-1)?.[1] ?? Number.NaN,
      rssSlopeMbPer10Min: slopeMbPer10Min,
      consumersListedAfter: listed ?? -1,
      failedJoins: failedJoins.length,
      openFiles: {
        fresh: freshFiles,
        withCameras: filesWithCameras,
        afterConsumers: filesAfterConsumers,
        afterAll: filesAfterAll,
      },
      children: children.length,
      load1: load1(),
    });
  } finally {
    await Promise.all(members.map((m) => m.consumer.close()));
    for (const c of cameras) c.stop();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const clip = await encodeClip(10);
  let failed = 0;
  for (const target of targets()) {
    try {
      await run(clip, target);
    } catch (err) {
      failed++;
      const error = err instanceof Error ? err.message : String(err);
      progress(`[mixed] ${target.name} failed: ${error}`);
      writeResult({ bench: 'failed', part: 'mixed', server: target.name, error: error.split('\n')[0] ?? error });
    }
  }
  process.exitCode = failed === 0 ? 0 : 1;
}

await inOwnNetns(FILE, [], (2 * SECONDS + 600) * 1000, main);
