/**
 * The two servers under measure, each a child process whose CPU and memory are read from /proc: ts2rtc as
 * `npx ts2rtc` runs it (addon/dist/main.js with a config file), and GStreamer's RTSP server (gst-relay.py).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { freeTcpPort } from '../../test/peers/ports.js';
import { startProcess, type PeerProcess } from '../../test/peers/process.js';
import { waitFor } from '../../test/helpers/wait.js';
import { openInspector } from '../lib/inspector.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN_JS = path.join(ROOT, 'addon/dist/main.js');
const MAIN_TS = path.join(ROOT, 'addon/src/main.ts');
const RELAY_PY = fileURLToPath(new URL('./gst-relay.py', import.meta.url));
const BARE_TS = fileURLToPath(new URL('./bare-relay.ts', import.meta.url));
/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS = 100;

export interface Memory {
  /** VmRSS, bytes. */
  rss: number;
  /** JS heap used plus external (Buffers), after a full GC; ts2rtc only. */
  heap?: number;
}

export interface MeasuredServer {
  readonly name: string;
  readonly pid: number;
  /** `rtsp://127.0.0.1:port/`. */
  readonly rtspBase: string;
  /** What ran (for the report). */
  readonly command: string;
  /** Memory after the server had the chance to give back what it no longer holds (ts2rtc: a forced full GC). */
  settledMemory(): Promise<Memory>;
  /** ts2rtc's DevTools inspector (`ws://…`), for bench/alloc.ts. */
  readonly inspectorUrl?: string;
  /** The end of its stderr, for error messages. */
  stderr(): string;
  stop(): Promise<void>;
}

/** CPU time of every thread of `pid`, ns: schedstat (ns resolution); threads that ended are not in it. */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/** utime + stime of the whole process (ended threads included), ns, in 10 ms ticks: a cross-check of cpuNs. */
export function cpuTicksNs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e9) / CLOCK_TICKS;
}

export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return match ? Number(match[1]) * 1024 : 0;
}

export interface Ts2rtcOptions {
  /** Write a V8 CPU profile of the whole run into this folder (`--cpu-prof`). */
  cpuProfileDir?: string;
  /**
   * A config file already written (bench/lib/target.ts) with its API and RTSP ports; by default an RTSP-only
   * config with one `cam` stream is written here.
   */
  prepared?: { dir: string; configFile: string; apiPort: number; rtspPort: number };
}

export async function startTs2rtc(options: Ts2rtcOptions = {}): Promise<MeasuredServer> {
  const { dir, configFile, apiPort, rtspPort } = options.prepared ?? (await rtspOnlyConfig());
  // The inspector lets us force a full GC between windows (memory "after a gc settle"); with no session
  // attached while measuring it costs nothing.
  const flags = ['--inspect=127.0.0.1:0'];
  if (options.cpuProfileDir)
    flags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, '--cpu-prof-interval=200');
  // BENCH_RTSP_TS2RTC_MAIN: another build or a patched source tree to measure (A/B), .js or .ts.
  const other = process.env['BENCH_RTSP_TS2RTC_MAIN'];
  const built = existsSync(MAIN_JS);
  const main = other ?? (built ? MAIN_JS : MAIN_TS);
  // The child runs in its temp folder: name tsx by URL, not by a package name resolved from there.
  const script = main.endsWith('.ts') ? ['--import', import.meta.resolve('tsx'), main] : [main];
  const proc = startProcess({
    name: 'ts2rtc',
    command: process.execPath,
    args: [...flags, ...script, '-c', configFile],
    cwd: dir,
  });
  const stop = async (): Promise<void> => {
    await proc.stop({ signal: 'SIGTERM', graceMs: 5000 });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (proc.exitInfo) throw new Error(proc.describeExit());
        return fetch(`http://127.0.0.1:${apiPort}/api`).then(
          (r) => r.ok,
          () => false,
        );
      },
      { timeoutMs: 20_000, intervalMs: 50, what: 'ts2rtc API' },
    );
    const inspector = await waitFor(() => /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(proc.stderr())?.[0], {
      timeoutMs: 5000,
      what: 'inspector URL',
    });
    return {
      name: 'ts2rtc',
      pid: proc.pid,
      rtspBase: `rtsp://127.0.0.1:${rtspPort}/`,
      command: `node ${flags.join(' ')} ${other ? script.join(' ') : built ? 'addon/dist/main.js' : '--import tsx addon/src/main.ts (dist missing)'} -c <config>`,
      settledMemory: () => gcAndMeasure(inspector, proc),
      inspectorUrl: inspector,
      stderr: () => proc.stderr(),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function rtspOnlyConfig(): Promise<{ dir: string; configFile: string; apiPort: number; rtspPort: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-bench-rtsp-'));
  const [apiPort, rtspPort] = [await freeTcpPort(), await freeTcpPort()];
  const configFile = path.join(dir, 'ts2rtc.yaml');
  // JSON is YAML. `cam:` with no source: a stream that exists only for a publisher (as go2rtc).
  const config = {
    api: { listen: `127.0.0.1:${apiPort}` },
    rtsp: { listen: `127.0.0.1:${rtspPort}` },
    webrtc: { listen: '' },
    log: { level: 'warn' },
    streams: { cam: null },
  };
  writeFileSync(configFile, JSON.stringify(config));
  return { dir, configFile, apiPort, rtspPort };
}

/** A full GC in the child through the inspector, then its RSS and heap. */
async function gcAndMeasure(inspectorUrl: string, proc: PeerProcess): Promise<Memory> {
  const inspector = await openInspector(inspectorUrl);
  try {
    // Twice: the first full GC runs finalizers that free the second's garbage (sockets, Buffers).
    await inspector.call('HeapProfiler.collectGarbage');
    await inspector.call('HeapProfiler.collectGarbage');
    const result = await inspector.call('Runtime.evaluate', {
      expression: '(() => { const m = process.memoryUsage(); return m.heapUsed + m.external; })()',
      returnByValue: true,
    });
    const value: unknown =
      typeof result === 'object' && result !== null
        ? Reflect.get(Reflect.get(result, 'result') ?? {}, 'value')
        : undefined;
    return { rss: rssBytes(proc.pid), ...(typeof value === 'number' ? { heap: value } : {}) };
  } finally {
    inspector.close();
  }
}

/** A port from the child's `{"ready": true, "port": N}` line. */
function readyPort(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  const ready: unknown = JSON.parse(line);
  const value: unknown = typeof ready === 'object' && ready !== null ? Reflect.get(ready, 'port') : undefined;
  return typeof value === 'number' ? value : undefined;
}

/**
 * The bare relay as plain JavaScript in a temporary folder: under `--import tsx` the same relay measured
 * 11-14 ms/s of CPU instead of 4.5-5 with one camera publishing (tsx's module hooks thread and the V8 workers
 * collecting its larger heap), which would make the floor anything but one.
 */
function bareRelayJs(): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-bare-relay-'));
  const file = path.join(dir, 'bare-relay.mjs');
  writeFileSync(file, transformSync(readFileSync(BARE_TS, 'utf8'), { loader: 'ts', format: 'esm' }).code);
  return { file, dir };
}

export async function startBareRelay(): Promise<MeasuredServer> {
  const js = bareRelayJs();
  const proc = startProcess({
    name: 'bare-relay',
    command: process.execPath,
    args: [js.file],
    cwd: ROOT,
  });
  void proc.exited.then(() => rmSync(js.dir, { recursive: true, force: true }));
  try {
    const port = await proc.waitForLine(readyPort, 15_000, 'bare-relay ready line');
    return {
      name: 'bare Node',
      pid: proc.pid,
      rtspBase: `rtsp://127.0.0.1:${port}/`,
      command: "node bench/rtsp/bare-relay.ts as plain JavaScript (forwards the publisher's bytes unchanged)",
      settledMemory: async () => ({ rss: rssBytes(proc.pid) }),
      stderr: () => proc.stderr(),
      stop: async () => void (await proc.stop({ signal: 'SIGTERM', graceMs: 3000 })),
    };
  } catch (err) {
    await proc.stop({ graceMs: 1000 });
    throw err;
  }
}

export async function startGstRelay(udpPort: number, sprop: string): Promise<MeasuredServer> {
  const proc = startProcess({
    name: 'gst-relay',
    command: '/usr/bin/python3',
    debianPackage: 'python3-gi gir1.2-gst-rtsp-server-1.0',
    args: [RELAY_PY, '--udp-port', String(udpPort), '--sprop', sprop, '--path', '/cam'],
  });
  try {
    const port = await proc.waitForLine(readyPort, 15_000, 'gst-relay ready line');
    return {
      name: 'GStreamer',
      pid: proc.pid,
      rtspBase: `rtsp://127.0.0.1:${port}/`,
      command: `python3 bench/rtsp/gst-relay.py (gst-rtsp-server, shared media: udpsrc ! rtph264depay ! rtph264pay mtu=1212)`,
      settledMemory: async () => ({ rss: rssBytes(proc.pid) }),
      stderr: () => proc.stderr(),
      stop: async () => void (await proc.stop({ signal: 'SIGTERM', graceMs: 3000 })),
    };
  } catch (err) {
    await proc.stop({ graceMs: 1000 });
    throw err;
  }
}
