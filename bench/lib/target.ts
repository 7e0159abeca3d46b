/**
 * The servers a bench measures ("targets"): ts2rtc itself and the server it is compared with, started by a
 * command (`--compare CMD`) under one small contract, so go2rtc, MediaMTX or anything else can be driven
 * the same way (documented in bench/README.md):
 *
 *   CMD runs with `sh -c` in a fresh temporary folder (its cwd, also BENCH_DIR) with these variables set:
 *     BENCH_API_PORT     HTTP API (go2rtc's /api, /api/webrtc, /api/ws): needed for the WebRTC and MSE rows
 *     BENCH_RTSP_PORT    RTSP server: the cameras publish there (ANNOUNCE/RECORD over TCP) and readers play
 *     BENCH_WEBRTC_PORT  WebRTC media (TCP and UDP), loopback candidates
 *     BENCH_STREAMS      the stream names, comma separated (`cam` or `cam,cam2`), paths on the RTSP server
 *     BENCH_CONFIG       a go2rtc-format config (YAML) naming all of the above, written before CMD starts
 *   It must accept an RTSP publisher at rtsp://127.0.0.1:$BENCH_RTSP_PORT/<stream> and serve readers there.
 *   The bench waits until the RTSP port accepts a connection (20 s at most), measures the CPU, RSS and
 *   open files of CMD's whole process tree, and stops it with SIGTERM to its process group.
 *
 * ts2rtc is started with the same BENCH_CONFIG (addon/dist/main.js, with an inspector so its memory can be
 * read after a forced full GC); `--compare go2rtc` is the CMD `exec "$GO2RTC_BIN" -c "$BENCH_CONFIG"`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeTcpPort } from '../../test/peers/ports.js';
import { startProcess } from '../../test/peers/process.js';
import { waitFor } from '../../test/helpers/wait.js';
import { cpuNs, rssBytes, startTs2rtc, type Memory } from '../rtsp/servers.js';

export const GO2RTC_BIN = process.env['GO2RTC_BIN'] ?? '/work/scratch/go2rtc/go2rtc';
export const GO2RTC_CMD = 'exec "$GO2RTC_BIN" -c "$BENCH_CONFIG"';

export interface Target {
  /** `ts2rtc`, `go2rtc`, or the compare command's first word. */
  readonly name: string;
  readonly pid: number;
  readonly rtspBase: string;
  /** `http://127.0.0.1:port`. */
  readonly apiBase: string;
  /** CPU time of the whole process tree, ns (threads that ended are not counted: read in short windows). */
  cpuNs(): number;
  /** RSS of the tree after what the server can give back (ts2rtc: a forced full GC). */
  settledMemory(): Promise<Memory>;
  /** ts2rtc's DevTools inspector (bench/alloc.ts samples its allocations there); not the compare server's. */
  readonly inspectorUrl?: string;
  /** Open file descriptors of the tree, and its processes besides the first. */
  openFiles(): number;
  children(): number[];
  stderr(): string;
  stop(): Promise<void>;
}

/** What `--compare` names: `go2rtc` (GO2RTC_BIN), `none`, or a command under the contract above. */
export interface CompareSpec {
  readonly name: string;
  readonly command: string;
}

/** The compare server from BENCH_COMPARE (set by bench/run.ts): default go2rtc when its binary exists. */
export function compareFromEnv(): CompareSpec | undefined {
  const value = process.env['BENCH_COMPARE'] ?? (existsSync(GO2RTC_BIN) ? 'go2rtc' : 'none');
  if (value === 'none' || value === '') return undefined;
  if (value === 'go2rtc') return existsSync(GO2RTC_BIN) ? { name: 'go2rtc', command: GO2RTC_CMD } : undefined;
  const first =
    value
      .trim()
      .split(/\s+/)
      .find((word) => !word.includes('=') && word !== 'exec') ?? 'peer';
  return { name: path.basename(first.replace(/^["']|["']$/g, '')), command: value };
}

interface Prepared {
  dir: string;
  configFile: string;
  apiPort: number;
  rtspPort: number;
  webrtcPort: number;
  streams: readonly string[];
}

async function prepare(streams: readonly string[]): Promise<Prepared> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-bench-'));
  const [apiPort, rtspPort, webrtcPort] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  // JSON is YAML. A stream with no source waits for a publisher (both servers). Listeners the bench does
  // not use are off, so nothing collides with other servers on this machine (go2rtc opens :1935, :8443).
  const config = {
    api: { listen: `127.0.0.1:${apiPort}` },
    rtsp: { listen: `127.0.0.1:${rtspPort}` },
    webrtc: { listen: `127.0.0.1:${webrtcPort}`, ice_servers: [], filters: { loopback: true } },
    rtmp: { listen: '' },
    srtp: { listen: '' },
    log: { level: 'warn' },
    streams: Object.fromEntries(streams.map((s) => [s, null])),
  };
  const configFile = path.join(dir, 'bench.yaml');
  writeFileSync(configFile, JSON.stringify(config));
  return { dir, configFile, apiPort, rtspPort, webrtcPort, streams };
}

/** Every process of the tree under `pid` (pid first), from /proc's parent links. */
export function treePids(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++)
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  return tree;
}

function sumOver(pids: readonly number[], read: (pid: number) => number): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += read(pid);
    } catch {
      // Ended meanwhile.
    }
  }
  return total;
}

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

function treeProbes(pid: number): Pick<Target, 'cpuNs' | 'openFiles' | 'children'> & { rss: () => number } {
  return {
    cpuNs: () => sumOver(treePids(pid), cpuNs),
    rss: () => sumOver(treePids(pid), rssBytes),
    openFiles: () => sumOver(treePids(pid), fdCount),
    children: () => treePids(pid).slice(1),
  };
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export async function startOurs(streams: readonly string[] = ['cam']): Promise<Target> {
  const prepared = await prepare(streams);
  const server = await startTs2rtc({ prepared });
  const probes = treeProbes(server.pid);
  return {
    ...probes,
    name: 'ts2rtc',
    pid: server.pid,
    rtspBase: server.rtspBase,
    apiBase: `http://127.0.0.1:${prepared.apiPort}`,
    settledMemory: () => server.settledMemory(),
    ...(server.inspectorUrl ? { inspectorUrl: server.inspectorUrl } : {}),
    stderr: () => server.stderr(),
    stop: () => server.stop(),
  };
}

export async function startCompare(spec: CompareSpec, streams: readonly string[] = ['cam']): Promise<Target> {
  const prepared = await prepare(streams);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GO2RTC_BIN,
    BENCH_DIR: prepared.dir,
    BENCH_CONFIG: prepared.configFile,
    BENCH_API_PORT: String(prepared.apiPort),
    BENCH_RTSP_PORT: String(prepared.rtspPort),
    BENCH_WEBRTC_PORT: String(prepared.webrtcPort),
    BENCH_STREAMS: streams.join(','),
  };
  const proc = startProcess({
    name: spec.name,
    command: 'sh',
    args: ['-c', spec.command],
    env,
    cwd: prepared.dir,
    group: true,
  });
  const stop = async (): Promise<void> => {
    await proc.stop({ signal: 'SIGTERM', graceMs: 3000 });
    rmSync(prepared.dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (proc.exitInfo)
          throw new Error(`${spec.name} exited: ${proc.describeExit()}\n${proc.stderr().slice(-2000)}`);
        return tcpAccepts(prepared.rtspPort);
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `${spec.name} RTSP port` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const probes = treeProbes(proc.pid);
  return {
    ...probes,
    name: spec.name,
    pid: proc.pid,
    rtspBase: `rtsp://127.0.0.1:${prepared.rtspPort}/`,
    apiBase: `http://127.0.0.1:${prepared.apiPort}`,
    settledMemory: async () => ({ rss: probes.rss() }),
    stderr: () => proc.stderr(),
    stop,
  };
}

/**
 * ts2rtc, then the compare server if any: the order every bench measures them in. BENCH_SERVERS=compare
 * (or `ours`) measures one of them only, to repeat one side of a run.
 */
export function targets(): Array<{ name: string; start: (streams?: readonly string[]) => Promise<Target> }> {
  const compare = compareFromEnv();
  const only = process.env['BENCH_SERVERS'];
  return [
    ...(only === 'compare' ? [] : [{ name: 'ts2rtc', start: (streams?: readonly string[]) => startOurs(streams) }]),
    ...(compare && only !== 'ours'
      ? [{ name: compare.name, start: (streams?: readonly string[]) => startCompare(compare, streams) }]
      : []),
  ];
}
