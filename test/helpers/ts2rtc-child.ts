import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTs2rtc, waitForListen, type Ts2rtcProcess } from '../e2e/cli/ts2rtc-process.js';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

const PROBE = fileURLToPath(new URL('./probe-preload.mjs', import.meta.url));

/** What the server process holds, as seen from outside (/proc) and from its own probe (SIGUSR2). */
export interface ProcessSample {
  /** Resident set after the probe's garbage collection, bytes. */
  rss: number;
  heapUsed: number;
  external: number;
  /** Open file descriptors (/proc/<pid>/fd). */
  fds: number;
  /** Child processes (pids). */
  children: number[];
  /** process.getActiveResourcesInfo() counted by type: TCPWrap, UDPWrap, Timeout, ProcessWrap... */
  resources: Record<string, number>;
}

export interface Ts2rtcChild {
  readonly proc: Ts2rtcProcess;
  readonly pid: number;
  /** http://127.0.0.1:port */
  readonly api: string;
  readonly rtspPort: number;
  readonly configPath: string;
  /** Collects garbage in the server, then reads its memory, descriptors, children and live resources. */
  sample(): Promise<ProcessSample>;
  /** GET /api/streams parsed. */
  streams(): Promise<Record<string, { producers: Array<Record<string, unknown>> | null; consumers: unknown[] | null }>>;
  stop(): Promise<number | string>;
}

/**
 * Starts the built server (addon/dist, what users run) as a child process with its own config file and
 * free ports: API, RTSP, and WebRTC (TCP plus random UDP, loopback candidates, no STUN). `config` is merged
 * over that (its `streams` map is the stream list). The probe preload and --expose-gc let `sample()` measure
 * a settled heap.
 */
export async function startTs2rtcChild(config: Record<string, unknown>): Promise<Ts2rtcChild> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-child-'));
  const [apiPort, rtspPort, webrtcPort] = [await freePort(), await freePort(), await freePort()];
  const full = {
    api: { listen: `127.0.0.1:${apiPort}` },
    rtsp: { listen: `127.0.0.1:${rtspPort}` },
    webrtc: { listen: `127.0.0.1:${webrtcPort}`, ice_servers: [], filters: { loopback: true } },
    ...config,
  };
  const configPath = path.join(dir, 'ts2rtc.yaml');
  // JSON is YAML: the file is what a user could have written.
  writeFileSync(configPath, JSON.stringify(full, null, 2));
  const proc = runTs2rtc(['-c', configPath], {
    cwd: dir,
    defaultPorts: true,
    nodeArgs: ['--expose-gc', '--import', PROBE],
  });
  try {
    await waitForListen(proc, 20_000);
  } catch (err) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const pid = proc.child.pid;
  if (pid === undefined) throw new Error('ts2rtc child has no pid');
  const api = `http://127.0.0.1:${apiPort}`;
  let probes = 0;
  return {
    proc,
    pid,
    api,
    rtspPort,
    configPath,
    async sample() {
      const seen = probes;
      proc.child.kill('SIGUSR2');
      const line = await waitFor(
        () => {
          const lines = proc
            .stderr()
            .split('\n')
            .filter((l) => l.startsWith('TS2RTC_PROBE '));
          return lines.length > seen ? lines[seen] : undefined;
        },
        { timeoutMs: 10_000, what: 'the server probe line' },
      );
      probes = seen + 1;
      const probe = JSON.parse(line.slice('TS2RTC_PROBE '.length)) as Omit<ProcessSample, 'fds' | 'children'>;
      return { ...probe, fds: readdirSync(`/proc/${pid}/fd`).length, children: childPids(pid) };
    },
    async streams() {
      const res = await fetch(`${api}/api/streams`);
      return (await res.json()) as Awaited<ReturnType<Ts2rtcChild['streams']>>;
    },
    async stop() {
      const code = await proc.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Direct children of `pid`, from every thread's children list (Linux). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
