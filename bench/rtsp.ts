/**
 * RTSP fan-out cost (issue 3): one 4 Mbit/s H264 640x360@25 camera, 1, 10 and 50 RTSP/TCP readers.
 * Prints the server's CPU time per RTP packet per reader, its RSS per reader, and the latency it adds from the
 * camera's socket to the reader's socket (p50/p99). Goals: <= 3 µs CPU per packet per reader, < 200 KB per
 * reader, p99 < 2 ms.
 *
 * ts2rtc runs as `npx ts2rtc` does (addon/dist/main.js, a config with an empty `cam:` stream); the camera
 * (this process) publishes into it with ANNOUNCE/RECORD over TCP. The peer measured in the same run is
 * GStreamer's RTSP server relaying the same camera (RTP over UDP in, one shared media depayloading and
 * payloading again, 1200-byte payloads) to the same readers: the same work, by the reference C server.
 * A third server, a bare Node relay that forwards the camera's bytes unchanged (bench/rtsp/bare-relay.ts),
 * gives the floor: what socket writes alone cost, and what latency this machine adds to any relay.
 * Every frame carries a send-time stamp (an SEI NAL unit, see bench/rtsp/stamp.ts), so latency is measured
 * for both servers, frame by frame, whatever they do to RTP timestamps.
 *
 * Each server gets a warm-up first (10 readers for 8 s, then gone: V8 must have optimized ts2rtc's paths
 * before its CPU means anything). Then readers are added in steps (0, 1, 10, 50) to the same process; each
 * step settles, then a window measures the server's CPU (/proc/<pid>/task/* /schedstat, ns resolution) and
 * the packets delivered, then its memory after a GC (ts2rtc: a forced full GC through the inspector).
 * "added" per reader = (value at N - value at 0 readers) / N, so the camera's own cost (receive,
 * depacketize) is not spread over the readers; "all" (everything over the packets delivered) is printed too.
 * Readers live in this process beside the camera; the bench's own event-loop delay is printed with each window.
 *
 *   npm run bench -- rtsp                 (or: node --import tsx --expose-gc bench/rtsp.ts)
 *   node --import tsx bench/rtsp.ts --profile     also writes a CPU profile of ts2rtc and summarizes its
 *   (or BENCH_RTSP_PROFILE=1 npm run bench -- rtsp)   50-reader window (the profiler inflates that run's CPU)
 *   BENCH_RTSP_TS2RTC_MAIN=/path/main.(js|ts)        measures another ts2rtc build or source tree (A/B)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { freeUdpPort } from '../test/peers/ports.js';
import { withTimeout } from '../test/helpers/wait.js';
import { Camera } from './rtsp/camera.js';
import { BITRATE, encodeClip, type Clip } from './rtsp/clip.js';
import { BenchReader } from './rtsp/reader.js';
import { report, reportProfile, type Run, type Step } from './rtsp/report.js';
import { cpuNs, cpuTicksNs, startBareRelay, startGstRelay, startTs2rtc, type MeasuredServer } from './rtsp/servers.js';
import { nowNs } from './rtsp/stamp.js';

const COUNTS = [1, 10, 50];
const CLIP_SECONDS = 10;
/**
 * Before anything is measured, WARM_READERS read for WARMUP_MS and leave: V8 optimizes ts2rtc's ingest and
 * reader paths (until then its CPU is 2-5x its steady state), GStreamer starts its threads.
 */
const WARMUP_MS = 8000;
const WARM_READERS = 10;
/** After readers join: their GOP replay is out, queues empty. */
const SETTLE_MS = 1500;
const WINDOW_MS = 7000;

type Kind = 'ts2rtc' | 'gst' | 'bare';

/**
 * Readers join one after the other, as viewers do (gst-rtsp-server also takes ~1 s to answer 20 PLAYs sent
 * at once on a shared media, against ~20 ms one by one).
 */
async function playMany(url: string, count: number): Promise<BenchReader[]> {
  const readers: BenchReader[] = [];
  try {
    for (let i = 0; i < count; i++) readers.push(await BenchReader.play(url));
  } catch (err) {
    for (const r of readers) r.close();
    throw err;
  }
  return readers;
}

async function measure(server: MeasuredServer, camera: Camera, readers: readonly BenchReader[]): Promise<Step> {
  const failed = readers.find((r) => r.failure);
  if (failed) throw new Error(`a reader of ${server.name} failed: ${failed.failure?.message}`);
  const fromNs = nowNs();
  for (const r of readers) r.record(fromNs);
  const cpu0 = cpuNs(server.pid);
  const ticks0 = cpuTicksNs(server.pid);
  const cam0 = camera.packets;
  const got0 = readers.map((r) => r.packets);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  await sleep(WINDOW_MS / 2);
  const cpuMid = cpuNs(server.pid);
  const midNs = nowNs();
  await sleep(WINDOW_MS / 2);
  loop.disable();
  const cpu1 = cpuNs(server.pid);
  const ticks1 = cpuTicksNs(server.pid);
  const toNs = nowNs();
  const seconds = (toNs - fromNs) / 1e9;
  const got = readers.map((r, i) => r.packets - (got0[i] ?? 0));
  const cameraPackets = camera.packets - cam0;
  const keyLatencies = readers.flatMap((r) => r.keyLatencies).sort((a, b) => a - b);
  const deltaLatencies = readers.flatMap((r) => r.deltaLatencies).sort((a, b) => a - b);
  const latencies = [...keyLatencies, ...deltaLatencies].sort((a, b) => a - b);
  const broken = readers.find((r) => r.failure);
  if (broken) throw new Error(`a reader of ${server.name} failed in the window: ${broken.failure?.message}`);
  return {
    readers: readers.length,
    cpuRate: (cpu1 - cpu0) / seconds,
    // How far the two halves of the window disagree: the rate's noise (GC, JIT, the machine's other load).
    cpuNoiseRate: (Math.abs((cpuMid - cpu0) / (midNs - fromNs) - (cpu1 - cpuMid) / (toNs - midNs)) * 1e9) / 2,
    cpuTicksRate: (ticks1 - ticks0) / seconds,
    packetRate: got.reduce((a, b) => a + b, 0) / seconds,
    cameraRate: cameraPackets / seconds,
    slowest: readers.length ? Math.min(...got) / cameraPackets : Number.NaN,
    memory: await server.settledMemory(),
    latencies,
    keyLatencies,
    deltaLatencies,
    // The histogram's floor is its 1 ms resolution timer: report what lies above it.
    benchLoopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - 1),
    fromUs: fromNs / 1000,
    toUs: toNs / 1000,
  };
}

async function run(kind: Kind, clip: Clip, profileDir: string | undefined): Promise<Step[]> {
  let server: MeasuredServer | undefined;
  let camera: Camera | undefined;
  const readers: BenchReader[] = [];
  let warm: BenchReader[] = [];
  try {
    let url: string;
    if (kind === 'ts2rtc') {
      server = await startTs2rtc(profileDir ? { cpuProfileDir: profileDir } : {});
      const port = Number(new URL(server.rtspBase).port);
      camera = await Camera.publishRtsp(clip, '127.0.0.1', port, 'cam');
      url = `${server.rtspBase}cam?video`;
    } else if (kind === 'bare') {
      server = await startBareRelay();
      camera = await Camera.publishRtsp(clip, '127.0.0.1', Number(new URL(server.rtspBase).port), 'cam');
      url = `${server.rtspBase}cam`;
    } else {
      // The camera first: a live media prepares only once data flows (its payloader's caps make the SDP).
      const udpPort = await freeUdpPort();
      camera = await Camera.sendUdp(clip, '127.0.0.1', udpPort);
      camera.start();
      server = await startGstRelay(udpPort, `${clip.sps.toString('base64')},${clip.pps.toString('base64')}`);
      url = `${server.rtspBase}cam`;
    }
    process.stderr.write(`[rtsp bench] ${server.name}: ${server.command}\n`);
    if (kind !== 'gst') camera.start();
    warm = await withTimeout(playMany(url, WARM_READERS), 20_000, `warm-up readers of ${server.name}`);
    await withTimeout(Promise.all(warm.map((r) => r.started)), 15_000, `first packets of ${server.name}`);
    await sleep(WARMUP_MS);
    for (const r of warm) r.close();
    await server.settledMemory();
    await sleep(SETTLE_MS);
    const steps: Step[] = [await measure(server, camera, readers)];
    for (const n of COUNTS) {
      const added = await withTimeout(
        playMany(url, n - readers.length),
        20_000,
        `${n} readers of ${server.name} playing`,
      );
      readers.push(...added);
      await withTimeout(
        Promise.all(added.map((r) => r.started)),
        15_000,
        `first packets of ${server.name} at ${n} readers`,
      );
      await sleep(SETTLE_MS);
      steps.push(await measure(server, camera, readers));
      process.stderr.write(`[rtsp bench] ${server.name}: ${n} readers measured\n`);
    }
    return steps;
  } catch (err) {
    const tail = server?.stderr().trim().slice(-4000);
    throw tail
      ? new Error(`${err instanceof Error ? err.message : String(err)}; ${server?.name} stderr:\n${tail}`, {
          cause: err,
        })
      : err;
  } finally {
    for (const r of [...warm, ...readers]) r.close();
    camera?.stop();
    await server?.stop();
  }
}

async function main(): Promise<void> {
  const profile = process.argv.includes('--profile') || process.env['BENCH_RTSP_PROFILE'] === '1';
  const profileDir = profile ? mkdtempSync(path.join(tmpdir(), 'ts2rtc-bench-rtsp-prof-')) : undefined;
  const clip = await encodeClip(CLIP_SECONDS);
  if (Math.abs(clip.bitrate - BITRATE) > BITRATE * 0.15)
    process.stderr.write(`[rtsp bench] note: the clip is ${(clip.bitrate / 1e6).toFixed(2)} Mbit/s\n`);
  const before = loadavg()[0] ?? 0;
  const runs: Run[] = [
    { name: 'ts2rtc', steps: await run('ts2rtc', clip, profileDir) },
    { name: 'GStreamer', steps: await run('gst', clip, undefined) },
    { name: 'bare Node', steps: await run('bare', clip, undefined) },
  ];
  const after = loadavg()[0] ?? 0;
  report({
    clip,
    runs,
    load: `${before.toFixed(2)} -> ${after.toFixed(2)} (${cpus().length} CPUs)`,
    windowMs: WINDOW_MS,
  });
  if (profileDir && runs[0]) reportProfile(profileDir, runs[0].steps);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`rtsp bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
