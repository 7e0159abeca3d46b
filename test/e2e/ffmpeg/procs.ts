import { readFileSync, readdirSync } from 'node:fs';
import { waitFor } from '../../helpers/wait.js';

/** A process as /proc shows it. */
export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  /** R, S, D, Z (zombie), ... */
  readonly state: string;
  readonly comm: string;
  readonly args: readonly string[];
}

/** The process `pid` when its parent is `parent` (its command line is read only then). */
function readChild(pid: number, parent: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid ...`; comm may itself contain blanks and parentheses.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state = '', ppid = '0'] = stat.slice(close + 2).split(' ');
    if (Number(ppid) !== parent) return undefined;
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
    return { pid, ppid: Number(ppid), state, comm, args };
  } catch {
    return undefined; // exited while we looked
  }
}

/**
 * The pids the kernel lists as children of `parent`'s threads (/proc/PID/task/TID/children, a kernel built
 * with CONFIG_PROC_CHILDREN; zombies included until reaped), or undefined without that file. The tests poll
 * this every 20 ms from several loops at once: reading every process of a busy machine instead (two files
 * each) was two thirds of the CPU the 200-cycle test's own process used.
 */
function listedChildren(parent: number): number[] | undefined {
  try {
    const pids: number[] = [];
    for (const tid of readdirSync(`/proc/${parent}/task`)) {
      for (const pid of readFileSync(`/proc/${parent}/task/${tid}/children`, 'utf8').split(' ')) {
        if (pid !== '') pids.push(Number(pid));
      }
    }
    return pids;
  } catch {
    return undefined; // no such file, or a thread ended while we looked: scan /proc instead
  }
}

/** Direct children of this test process (the server runs in it, so its ffmpegs are among them). */
export function children(parent = process.pid): ProcInfo[] {
  const candidates =
    listedChildren(parent) ??
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  const found: ProcInfo[] = [];
  for (const pid of candidates) {
    const info = readChild(pid, parent);
    if (info) found.push(info);
  }
  return found;
}

/**
 * The ffmpeg processes the server started for sources: they publish to a random path on its RTSP port.
 * Peers the test starts (ffprobe, ffmpeg frame counters) never do, so they are not counted.
 */
export function sourceFfmpegs(rtspPort: number): ProcInfo[] {
  const output = new RegExp(`^rtsp://127\\.0\\.0\\.1:${rtspPort}/[0-9a-f]{32}$`);
  return children().filter((p) => p.state !== 'Z' && p.args.some((a) => output.test(a)));
}

/** ffmpegs the server started that read from stdin (MJPEG transcoders, snapshot decoders). */
export function pipeFfmpegs(): ProcInfo[] {
  return children().filter((p) => p.state !== 'Z' && p.comm === 'ffmpeg' && p.args.includes('pipe:0'));
}

export function zombies(): ProcInfo[] {
  return children().filter((p) => p.state === 'Z');
}

/** Waits until `count()` equals `expected`, then returns how long that took. */
export async function waitForCount(
  count: () => number,
  expected: number,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = performance.now();
  await waitFor(() => count() === expected, { timeoutMs, intervalMs: 20, what: `${what} (now ${count()})` });
  return performance.now() - started;
}

/**
 * Waits until no child is a zombie. A child that just exited is a zombie until Node's SIGCHLD handler reaps
 * it (a few ms); one that stays a zombie was never waited for.
 */
export async function noZombies(timeoutMs = 1000): Promise<void> {
  await waitFor(() => zombies().length === 0, {
    timeoutMs,
    intervalMs: 10,
    what: `zombies reaped: ${zombies()
      .map((z) => `${z.pid}:${z.comm}`)
      .join(', ')}`,
  });
}

/**
 * The `error` of a stream's first producer in /api/streams, polled until it matches. Read while a consumer is
 * still attached: the hub keeps retrying then, and shows the last failure.
 */
export async function producerError(api: string, stream: string, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  return waitFor(
    async () => {
      const json = (await (await fetch(`${api}/api/streams?src=${encodeURIComponent(stream)}`)).json()) as {
        producers: Array<{ error?: string }> | null;
      };
      const error = json.producers?.[0]?.error ?? '';
      return pattern.test(error) ? error : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `${stream}: producer error ${pattern}` },
  );
}
