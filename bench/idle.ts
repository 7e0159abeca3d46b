/**
 * Idle cost (issue 11): RSS and CPU of a server with one configured camera stream and no viewer, first with
 * nothing connected, then with one RTSP camera publishing into it (4 Mbit/s H264 640x360@25, ANNOUNCE/RECORD
 * over TCP, the camera of bench/rtsp.ts) and no reader. Goals: RSS < 60 MB, publisher-only CPU <= 1.5x go2rtc.
 *
 * The peer measured in the same run is go2rtc with the same config, built from its public source outside the
 * repository (never committed):
 *   fetch github:AlexxIT/go2rtc into /work/scratch/go2rtc, then `go build -o go2rtc .` there
 *   GO2RTC_BIN=/path/to/go2rtc npm run bench -- idle      (default /work/scratch/go2rtc/go2rtc)
 * Without the binary only ts2rtc is measured. ts2rtc's memory is read after a forced full GC (as bench/rtsp.ts);
 * go2rtc's as it is (its GC runs every 2 minutes at most).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { freeTcpPort } from '../test/peers/ports.js';
import { startProcess } from '../test/peers/process.js';
import { waitFor } from '../test/helpers/wait.js';
import { Camera } from './rtsp/camera.js';
import { encodeClip, type Clip } from './rtsp/clip.js';
import { cpuNs, rssBytes, startTs2rtc, type MeasuredServer } from './rtsp/servers.js';

const GO2RTC_BIN = process.env['GO2RTC_BIN'] ?? '/work/scratch/go2rtc/go2rtc';
const SETTLE_MS = 5000;
const WINDOW_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Figures {
  idleRss: number;
  publisherRss: number;
  /** ms of CPU per second of wall time, one publisher, no reader. */
  publisherCpu: number;
}

async function startGo2rtc(): Promise<MeasuredServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-bench-idle-'));
  const [apiPort, rtspPort] = [await freeTcpPort(), await freeTcpPort()];
  const config = path.join(dir, 'go2rtc.yaml');
  // JSON is YAML; the same config as startTs2rtc's.
  writeFileSync(config, JSON.stringify({ api: { listen: `127.0.0.1:${apiPort}` }, rtsp: { listen: `127.0.0.1:${rtspPort}` }, webrtc: { listen: '' }, log: { level: 'warn' }, streams: { cam: null } }));
  const proc = startProcess({ name: 'go2rtc', command: GO2RTC_BIN, args: ['-c', config], cwd: dir });
  const stop = async (): Promise<void> => {
    await proc.stop({ signal: 'SIGTERM', graceMs: 3000 });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(() => fetch(`http://127.0.0.1:${apiPort}/api`).then((r) => r.ok, () => false), { timeoutMs: 10_000, intervalMs: 50, what: 'go2rtc API' });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name: 'go2rtc',
    pid: proc.pid,
    rtspBase: `rtsp://127.0.0.1:${rtspPort}/`,
    command: `${GO2RTC_BIN} -c <config>`,
    settledMemory: async () => ({ rss: rssBytes(proc.pid) }),
    stderr: () => proc.stderr(),
    stop,
  };
}

async function measure(server: MeasuredServer, clip: Clip): Promise<Figures> {
  let camera: Camera | undefined;
  try {
    await sleep(SETTLE_MS);
    const idleRss = (await server.settledMemory()).rss;
    camera = await Camera.publishRtsp(clip, '127.0.0.1', Number(new URL(server.rtspBase).port), 'cam');
    camera.start();
    await sleep(SETTLE_MS);
    const cpu0 = cpuNs(server.pid);
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const publisherCpu = (cpuNs(server.pid) - cpu0) / 1e6 / ((performance.now() - t0) / 1000);
    const publisherRss = (await server.settledMemory()).rss;
    return { idleRss, publisherRss, publisherCpu };
  } finally {
    camera?.stop();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const clip = await encodeClip(10);
  const before = loadavg()[0] ?? 0;
  const ts = await measure(await startTs2rtc(), clip);
  const go = existsSync(GO2RTC_BIN) ? await measure(await startGo2rtc(), clip) : undefined;
  const after = loadavg()[0] ?? 0;
  const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
  const ratio = (a: number, b: number | undefined): string => (b ? `${(a / b).toFixed(2)}x` : '-');
  process.stdout.write(`idle cost, one camera stream, no reader (load ${before.toFixed(2)} -> ${after.toFixed(2)}, ${cpus().length} CPUs)\n`);
  process.stdout.write(`${'measure'.padEnd(30)}${'ts2rtc'.padStart(12)}${'go2rtc'.padStart(12)}${'ratio'.padStart(9)}   goal\n`);
  const row = (name: string, a: string, b: string, r: string, goal: string): void =>
    void process.stdout.write(`${name.padEnd(30)}${a.padStart(12)}${b.padStart(12)}${r.padStart(9)}   ${goal}\n`);
  row('RSS, nothing connected', mb(ts.idleRss), go ? mb(go.idleRss) : '-', ratio(ts.idleRss, go?.idleRss), '');
  row('RSS, one publisher', mb(ts.publisherRss), go ? mb(go.publisherRss) : '-', ratio(ts.publisherRss, go?.publisherRss), '< 60 MB');
  row('CPU, one publisher (ms/s)', ts.publisherCpu.toFixed(1), go ? go.publisherCpu.toFixed(1) : '-', ratio(ts.publisherCpu, go?.publisherCpu), '<= 1.5x');
  if (!go) process.stdout.write(`go2rtc not measured: no binary at ${GO2RTC_BIN} (see this file's header)\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`idle bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
