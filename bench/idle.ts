/**
 * Idle cost (issue 11): RSS and CPU of a server with one configured camera stream and no viewer, first with
 * nothing connected, then with one RTSP camera publishing into it (4 Mbit/s H264 640x360@25, ANNOUNCE/RECORD
 * over TCP, the camera of bench/rtsp.ts) and no reader. Goals: RSS < 60 MB, publisher-only CPU <= 1.5x go2rtc.
 *
 * The peer measured in the same run is the compare server (bench/lib/target.ts; default go2rtc with the same
 * config, built from its public source outside the repository, never committed):
 *   fetch github:AlexxIT/go2rtc into /work/scratch/go2rtc, then `go build -o go2rtc .` there
 *   GO2RTC_BIN=/path/to/go2rtc npm run bench -- --only idle      (default /work/scratch/go2rtc/go2rtc)
 * Without the binary only ts2rtc is measured.
 *
 * A third process gives the floor under both: a bare Node process (bench/rtsp/bare-relay.ts with no player) that
 * answers the camera's requests and reads its stream without looking at it. Its CPU is what Node's event loop,
 * stream machinery and GC cost to receive the stream at all, which no Node server can go below. Both get the bench config (RTSP, API and WebRTC listening). ts2rtc's memory is read after a forced full GC (as bench/rtsp.ts);
 * go2rtc's as it is (its GC runs every 2 minutes at most).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cpus } from 'node:os';
import { Camera } from './rtsp/camera.js';
import { encodeClip, type Clip } from './rtsp/clip.js';
import { startBareRelay, cpuNs } from './rtsp/servers.js';
import { load1, NODE_FLOOR, quick, writeResult } from './lib/results.js';
import { GO2RTC_BIN, targets, type Target } from './lib/target.js';

const SETTLE_MS = quick() ? 2000 : 5000;
/**
 * From the camera's first packet to the CPU window: a JIT's steady state, which is what a camera that publishes
 * for hours costs. ts2rtc's CPU with a 4 Mbit/s camera falls from ~16 ms/s in its first 10 s to 8-9 by ~20 s
 * and ~7 by ~90 s, while V8 optimizes the ingest path; go2rtc's is flat from the start. The same wait for all.
 */
const PUBLISHER_SETTLE_MS = quick() ? 2000 : 30_000;
const WINDOW_MS = quick() ? 4000 : 10_000;

interface Figures {
  idleRss: number;
  publisherRss: number;
  /** ms of CPU per second of wall time, one publisher, no reader. */
  publisherCpu: number;
}

async function measure(server: Target, clip: Clip): Promise<Figures> {
  let camera: Camera | undefined;
  try {
    await sleep(SETTLE_MS);
    const idleRss = (await server.settledMemory()).rss;
    camera = await Camera.publishRtsp(clip, '127.0.0.1', Number(new URL(server.rtspBase).port), 'cam');
    camera.start();
    await sleep(PUBLISHER_SETTLE_MS);
    const cpu0 = server.cpuNs();
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const publisherCpu = (server.cpuNs() - cpu0) / 1e6 / ((performance.now() - t0) / 1000);
    const publisherRss = (await server.settledMemory()).rss;
    return { idleRss, publisherRss, publisherCpu };
  } finally {
    camera?.stop();
    await server.stop();
  }
}

/** The bare Node process's CPU with the same camera publishing into it (see the header). */
async function measureFloor(clip: Clip): Promise<number> {
  const relay = await startBareRelay();
  let camera: Camera | undefined;
  try {
    camera = await Camera.publishRtsp(clip, '127.0.0.1', Number(new URL(relay.rtspBase).port), 'cam');
    camera.start();
    await sleep(PUBLISHER_SETTLE_MS);
    const cpu0 = cpuNs(relay.pid);
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    return (cpuNs(relay.pid) - cpu0) / 1e6 / ((performance.now() - t0) / 1000);
  } finally {
    camera?.stop();
    await relay.stop();
  }
}

async function main(): Promise<void> {
  const clip = await encodeClip(10);
  const before = load1();
  const measured: Array<{ name: string; figures: Figures }> = [];
  for (const target of targets()) {
    const figures = await measure(await target.start(['cam']), clip);
    measured.push({ name: target.name, figures });
    const mb = (n: number): number => n / 2 ** 20;
    writeResult({
      bench: 'idle',
      server: target.name,
      idleRssMb: mb(figures.idleRss),
      publisherRssMb: mb(figures.publisherRss),
      publisherCpuMsPerS: figures.publisherCpu,
      load1: load1(),
    });
  }
  const floorCpu = await measureFloor(clip);
  writeResult({
    bench: 'idle',
    server: NODE_FLOOR,
    idleRssMb: Number.NaN,
    publisherRssMb: Number.NaN,
    publisherCpuMsPerS: floorCpu,
    load1: load1(),
  });
  const ts = measured[0]?.figures;
  const peer = measured[1];
  const go = peer?.figures;
  if (!ts) return;
  const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
  const ratio = (a: number, b: number | undefined): string => (b ? `${(a / b).toFixed(2)}x` : '-');
  process.stdout.write(
    `idle cost, one camera stream, no reader (load ${before.toFixed(2)} -> ${load1().toFixed(2)}, ${cpus().length} CPUs)\n`,
  );
  process.stdout.write(
    `${'measure'.padEnd(30)}${'ts2rtc'.padStart(12)}${(peer?.name ?? 'peer').padStart(12)}${'ratio'.padStart(9)}   goal\n`,
  );
  const row = (name: string, a: string, b: string, r: string, goal: string): void =>
    void process.stdout.write(`${name.padEnd(30)}${a.padStart(12)}${b.padStart(12)}${r.padStart(9)}   ${goal}\n`);
  row('RSS, nothing connected', mb(ts.idleRss), go ? mb(go.idleRss) : '-', ratio(ts.idleRss, go?.idleRss), '');
  row(
    'RSS, one publisher',
    mb(ts.publisherRss),
    go ? mb(go.publisherRss) : '-',
    ratio(ts.publisherRss, go?.publisherRss),
    '< 60 MB',
  );
  row(
    'CPU, one publisher (ms/s)',
    ts.publisherCpu.toFixed(1),
    go ? go.publisherCpu.toFixed(1) : '-',
    ratio(ts.publisherCpu, go?.publisherCpu),
    '<= 1.5x',
  );
  row(
    'CPU, bare Node (ms/s)',
    floorCpu.toFixed(1),
    go ? go.publisherCpu.toFixed(1) : '-',
    ratio(floorCpu, go?.publisherCpu),
    '(floor)',
  );
  if (!go)
    process.stdout.write(
      `no compare server measured (go2rtc: no binary at ${GO2RTC_BIN}, see this file's header, or --compare none)\n`,
    );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`idle bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
