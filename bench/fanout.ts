/**
 * Fan-out cost per protocol, ts2rtc and the compare server (bench/lib/target.ts: go2rtc by default) in the same
 * run, under the same load: one camera (4 Mbit/s H264 640x360@25, bench/rtsp/camera.ts) publishes over RTSP,
 * then 1, 10 and 50 consumers of one protocol join (WebRTC: 1, 10 and 30, issue 11's steps):
 *
 *   rtsp    RTSP/TCP readers (bench/rtsp/reader.ts)
 *   webrtc  werift viewers through POST /api/webrtc (bench/lib/webrtc-viewer.ts)
 *   mse     MSE clients on /api/ws (bench/lib/mse-client.ts)
 *
 * Per step it writes one result row (bench/lib/results.ts): added CPU per consumer, per packet per consumer,
 * RSS per consumer (ts2rtc after a forced full GC), latency camera -> consumer p50/p99 (every frame carries a
 * send-time stamp), first media after the request on a warm stream (the 1-consumer step: the median of it and
 * `loneJoins` joins made one at a time before the baselines), packets per consumer per second.
 * Each server first gets a warm-up (consumers for a few seconds, then gone: V8 optimizes before it counts).
 *
 *   npm run bench -- --only webrtc      (bench/run.ts prints the table)
 *   node --import tsx bench/fanout.ts rtsp     (re-runs itself in a private network namespace: loopback only)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Camera } from './rtsp/camera.js';
import { encodeClip, type Clip } from './rtsp/clip.js';
import { nowNs } from './rtsp/stamp.js';
import type { Consumer, Protocol } from './lib/consumer.js';
import { consumersGone, joiner, joinMany, takeFailedJoins } from './lib/join.js';
import { inOwnNetns, progress } from './lib/netns-run.js';
import { latencyCounts, load1, quantile, quick, writeResult, type FanoutRow } from './lib/results.js';
import { targets, type Target } from './lib/target.js';

const FILE = fileURLToPath(import.meta.url);
const PROTOCOLS: readonly Protocol[] = ['rtsp', 'webrtc', 'mse'];

interface Sizes {
  counts: number[];
  /**
   * Joins made one at a time before the baselines, each the only consumer and gone before the next: with the
   * first step's consumer they make the 1-consumer first-media cell (their median). One join per round was
   * one sample: 58-78 ms for the same build in four rounds.
   */
  loneJoins: number;
  warmConsumers: number;
  warmMs: number;
  settleMs: number;
  windowMs: number;
}

function sizes(protocol: Protocol): Sizes {
  if (quick()) return { counts: [1, 5], loneJoins: 2, warmConsumers: 3, warmMs: 3000, settleMs: 1000, windowMs: 3000 };
  return {
    // WebRTC at 30 as issue 11's table: the viewers (bench/lib/webrtc-viewer.ts) decrypt only what holds a stamp.
    counts: protocol === 'webrtc' ? [1, 10, 30] : [1, 10, 50],
    loneJoins: 4,
    warmConsumers: protocol === 'webrtc' ? 5 : 10,
    warmMs: 8000,
    settleMs: 1500,
    windowMs: 7000,
  };
}

interface Window {
  consumers: number;
  failed: number;
  cpuMsPerS: number;
  rssMb: number;
  cameraPps: number;
  packetsPerS: number;
  slowestFrameRatio: number;
  latencies: number[];
  benchLoopP99Ms: number;
}

async function measure(
  server: Target,
  camera: Camera,
  consumers: readonly Consumer[],
  windowMs: number,
): Promise<Window> {
  const fromNs = nowNs();
  for (const c of consumers) c.record(fromNs);
  const cpu0 = server.cpuNs();
  const [packets0, frames0] = [camera.packets, camera.frames];
  const got0 = consumers.map((c) => [c.packets, c.frames] as const);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  await sleep(windowMs);
  loop.disable();
  const cpu1 = server.cpuNs();
  const seconds = (nowNs() - fromNs) / 1e9;
  // A consumer whose connection failed (a server that dropped it, ICE consent lost on a starved machine)
  // is counted in the row and its frames count as lost; the others go on.
  const failed = consumers.filter((c) => c.failure);
  for (const c of failed) progress(`[fanout] a ${c.protocol} consumer of ${server.name} ended: ${c.failure?.message}`);
  const cameraFrames = camera.frames - frames0;
  const packets = consumers.reduce((n, c, i) => n + c.packets - (got0[i]?.[0] ?? 0), 0);
  const frameRatios = consumers.map((c, i) => (c.frames - (got0[i]?.[1] ?? 0)) / cameraFrames);
  // Taken before the memory reading: ts2rtc's forced full GC stalls it, and frames sent meanwhile are late.
  const latencies = consumers.flatMap((c) => c.latencies).sort((a, b) => a - b);
  return {
    consumers: consumers.length,
    failed: failed.length,
    cpuMsPerS: (cpu1 - cpu0) / 1e6 / seconds,
    latencies,
    rssMb: (await server.settledMemory()).rss / 2 ** 20,
    cameraPps: (camera.packets - packets0) / seconds,
    packetsPerS: packets / seconds,
    slowestFrameRatio: frameRatios.length ? Math.min(...frameRatios) : Number.NaN,
    // The histogram's floor is its 1 ms resolution timer: report what lies above it.
    benchLoopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - 1),
  };
}

function row(protocol: Protocol, server: string, w: Window, base: Window, firstMedia: readonly number[]): FanoutRow {
  const added = w.cpuMsPerS - base.cpuMsPerS;
  return {
    bench: 'fanout',
    protocol,
    server,
    consumers: w.consumers,
    cameraPps: w.cameraPps,
    cpuMsPerS: w.cpuMsPerS,
    baseCpuMsPerS: base.cpuMsPerS,
    addedCpuMsPerS: added / w.consumers,
    addedUsPerPacket: (added * 1000) / w.packetsPerS,
    rssMb: w.rssMb,
    baseRssMb: base.rssMb,
    kbPerConsumer: ((w.rssMb - base.rssMb) * 1024) / w.consumers,
    latencyP50Ms: quantile(w.latencies, 0.5) / 1e6,
    latencyP99Ms: quantile(w.latencies, 0.99) / 1e6,
    latencyCounts: latencyCounts(w.latencies),
    firstMediaMs: quantile(
      [...firstMedia].sort((a, b) => a - b),
      0.5,
    ),
    packetsPerConsumerPerS: w.packetsPerS / w.consumers,
    slowestFrameRatio: w.slowestFrameRatio,
    benchLoopP99Ms: w.benchLoopP99Ms,
    failedJoins: takeFailedJoins().length,
    failedConsumers: w.failed,
    load1: load1(),
  };
}

async function run(protocol: Protocol, clip: Clip, start: () => Promise<Target>): Promise<void> {
  const size = sizes(protocol);
  // Joins that failed against the previous server are not this one's.
  takeFailedJoins();
  const server = await start();
  let camera: Camera | undefined;
  const consumers: Consumer[] = [];
  try {
    camera = await Camera.publishRtsp(clip, '127.0.0.1', Number(new URL(server.rtspBase).port), 'cam');
    camera.start();
    // The stream is warm when consumers come: the server has the camera's first key frame.
    await sleep(1500);
    const join = joiner(protocol, server, 'cam');
    const warm = await joinMany(join, size.warmConsumers);
    await sleep(size.warmMs);
    await Promise.all(warm.map((c) => c.close()));
    // The baseline must not pay for the warm-up's consumers.
    const left = await consumersGone(server);
    if (left) progress(`[fanout ${protocol}] ${server.name} still lists ${left} consumers 45 s after they left`);
    // werift viewers close without an RTCP BYE or a DTLS close_notify, so a server drops the warm-up's viewers
    // all together when their ICE consent expires: a join right after competed with that teardown (66-84 ms
    // against 38-54 for the next ones; 53-54 after this settle).
    await sleep(size.settleMs);
    const lone: number[] = [];
    for (let i = 0; i < size.loneJoins; i++) {
      const [consumer] = await joinMany(join, 1);
      if (!consumer) continue;
      lone.push(consumer.firstMediaMs);
      await consumer.close();
      await consumersGone(server);
    }
    await sleep(size.settleMs);
    // Two baseline windows, the lower kept: the first after the warm-up can still carry its tail (sockets
    // torn down, their buffers collected); a lower baseline only makes the added cost look larger.
    const bases = [await measure(server, camera, [], size.windowMs), await measure(server, camera, [], size.windowMs)];
    const base = bases.reduce((a, b) => (b.cpuMsPerS < a.cpuMsPerS ? b : a));
    for (const n of size.counts) {
      const added = await joinMany(join, n - consumers.length);
      consumers.push(...added);
      await sleep(size.settleMs);
      const w = await measure(server, camera, consumers, size.windowMs);
      // Failed consumers leave (and are not counted again); the next step adds enough to reach its count.
      for (const c of consumers.filter((x) => x.failure)) {
        await c.close();
        consumers.splice(consumers.indexOf(c), 1);
      }
      const firstMedia = added.map((c) => c.firstMediaMs);
      if (n === 1) firstMedia.push(...lone);
      const result = row(protocol, server.name, w, base, firstMedia);
      writeResult(result);
      progress(
        `[fanout ${protocol}] ${server.name} ${n}: +${result.addedCpuMsPerS.toFixed(2)} ms/s, ${result.addedUsPerPacket.toFixed(2)} µs/pkt, ` +
          `${result.kbPerConsumer.toFixed(0)} KB, p50/p99 ${result.latencyP50Ms.toFixed(2)}/${result.latencyP99Ms.toFixed(1)} ms, ` +
          `first ${result.firstMediaMs.toFixed(0)} ms${n === 1 ? ` (of ${firstMedia.map((ms) => ms.toFixed(0)).join('/')})` : ''} (load ${result.load1.toFixed(1)})`,
      );
    }
  } catch (err) {
    const tail = server.stderr().trim().slice(-2000);
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}${tail ? `; ${server.name} stderr:\n${tail}` : ''}`,
      { cause: err },
    );
  } finally {
    await Promise.all(consumers.map((c) => c.close()));
    camera?.stop();
    await server.stop();
  }
}

async function main(protocol: Protocol): Promise<void> {
  const clip = await encodeClip(10);
  let failed = 0;
  for (const target of targets()) {
    try {
      await run(protocol, clip, () => target.start(['cam']));
    } catch (err) {
      failed++;
      const error = err instanceof Error ? err.message : String(err);
      progress(`[fanout ${protocol}] ${target.name} failed: ${error}`);
      writeResult({ bench: 'failed', part: protocol, server: target.name, error: error.split('\n')[0] ?? error });
    }
  }
  process.exitCode = failed === 0 ? 0 : 1;
}

const protocol = PROTOCOLS.find((p) => p === process.argv[2]);
if (!protocol) {
  process.stderr.write(`usage: fanout.ts ${PROTOCOLS.join('|')}\n`);
  process.exit(2);
}
await inOwnNetns(FILE, [protocol], 30 * 60 * 1000, () => main(protocol));
