import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { PeerError } from './errors.js';

/**
 * Child processes of the test peers: started with piped output, every one tracked until it is reaped, and
 * killed (SIGKILL) by a safety net when the test process exits or is signalled, so no camera, ffmpeg or
 * browser outlives the test file that started it.
 */

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface PeerProcessOptions {
  /** Short name used in messages, e.g. `gst-camera`. */
  name: string;
  command: string;
  args: readonly string[];
  /** Debian package that provides `command`, named when it is missing. */
  debianPackage?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Start it as a process group leader and signal the whole group: for shells and wrappers (`unshare sh -c`)
   * whose children would otherwise survive. Defaults to false.
   */
  group?: boolean;
  /** Bytes of stderr kept for error messages (the last ones). Defaults to 64 KiB. */
  stderrLimit?: number;
  /**
   * Have the kernel send it SIGTERM when this process dies, even by SIGKILL, when no exit handler runs
   * (`setpriv --pdeathsig`, util-linux; it execs the program, so the pid is the program's). Defaults to true.
   */
  dieWithParent?: boolean;
}

const MAX_LINE = 1 << 20;
const live = new Set<PeerProcess>();
let safetyNetInstalled = false;

function killAllNow(): void {
  for (const peer of live) peer.killNow('SIGKILL');
}

function installSafetyNet(): void {
  if (safetyNetInstalled) return;
  safetyNetInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllNow();
      process.off(signal, onSignal);
      // Nobody else handles it: die of the signal as we would have without this listener.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * The node arguments that run a TypeScript (or already transpiled) file of this repo: its JavaScript twin when
 * the tests run from the transpiled mirror (scripts/test-mirror.mjs, where `foo.ts` has a `foo.js` beside it),
 * else the file through tsx. scripts/run-tests.mjs makes the same choice for the test files themselves.
 */
export function nodeScriptArgs(file: string): string[] {
  const js = file.replace(/\.ts$/, '.js');
  return js === file || existsSync(js) ? ['--enable-source-maps', js] : ['--import', 'tsx', file];
}

/** Absolute path of `command` (searched in PATH unless it has a slash), or undefined. */
export function findProgram(command: string): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (process.env['PATH'] ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here (or not executable): try the next PATH entry
    }
  }
  return undefined;
}

/** Throws PEER_MISSING, naming the Debian package, when `command` cannot be run. */
export function requireProgram(command: string, debianPackage: string): string {
  const found = findProgram(command);
  if (!found) {
    throw new PeerError(
      'PEER_MISSING',
      `${command} not found: install the Debian package ${debianPackage} ` +
        `(apt-get install -y ${debianPackage}, or bash scripts/setup.sh test)`,
    );
  }
  return found;
}

export class PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Settles (never rejects) when the process has exited and been reaped. */
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  private readonly group: boolean;
  private readonly stderrLimit: number;
  private stderrBuf = '';
  private stdoutRest = '';
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly stdoutEnded: Promise<void>;

  constructor(options: PeerProcessOptions) {
    requireProgram(options.command, options.debianPackage ?? options.command);
    installSafetyNet();
    this.name = options.name;
    this.group = options.group ?? false;
    this.stderrLimit = options.stderrLimit ?? 64 * 1024;
    const setpriv = options.dieWithParent === false ? undefined : findProgram('setpriv');
    const [command, args] = setpriv
      ? [setpriv, ['--pdeathsig', 'TERM', '--', options.command, ...options.args]]
      : [options.command, options.args];
    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.group,
    });
    this.pid = this.child.pid ?? -1;
    if (this.pid > 0) live.add(this);
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrBuf += chunk;
      if (this.stderrBuf.length > this.stderrLimit * 2) this.stderrBuf = this.stderrBuf.slice(-this.stderrLimit);
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (chunk: string) => this.onStdout(chunk));
    this.stdoutEnded = new Promise((resolve) => {
      if (!this.child.stdout) resolve();
      this.child.stdout?.on('close', () => resolve());
    });
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.once('error', (error) => {
        // No process was created (spawn failure): 'exit' will not come.
        if (this.child.pid === undefined) this.settle({ code: null, signal: null, error }, resolve);
      });
      this.child.once('exit', (code, signal) => this.settle({ code, signal }, resolve));
    });
  }

  private settle(info: ExitInfo, resolve: (info: ExitInfo) => void): void {
    if (this.exitInfo) return;
    this.exitInfo = info;
    live.delete(this);
    resolve(info);
  }

  private onStdout(chunk: string): void {
    this.stdoutRest += chunk;
    let nl = this.stdoutRest.indexOf('\n');
    while (nl !== -1) {
      const line = this.stdoutRest.slice(0, nl).replace(/\r$/, '');
      this.stdoutRest = this.stdoutRest.slice(nl + 1);
      for (const listener of this.lineListeners) listener(line);
      nl = this.stdoutRest.indexOf('\n');
    }
    if (this.stdoutRest.length > MAX_LINE) this.stdoutRest = this.stdoutRest.slice(-MAX_LINE);
  }

  /** The last `stderrLimit` bytes of stderr. */
  stderr(): string {
    return this.stderrBuf.slice(-this.stderrLimit);
  }

  /** Calls `listener` with every complete stdout line from now on; returns the disposer. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** Resolves when all stdout has been read (the pipe closed), or after `timeoutMs`. */
  async stdoutDone(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.stdoutEnded, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Describes how it ended plus its stderr, for error messages. */
  describeExit(info: ExitInfo | undefined = this.exitInfo): string {
    const how = !info
      ? 'is still running'
      : info.error
        ? `could not start (${info.error.message})`
        : info.signal
          ? `was killed by ${info.signal}`
          : `exited with code ${info.code}`;
    const err = this.stderr().trim();
    return `${this.name} (pid ${this.pid}) ${how}${err ? `; stderr:\n${err}` : ' (no stderr)'}`;
  }

  /**
   * Resolves with the first stdout line for which `pick` returns a value. Rejects with PEER_START_FAILED when
   * the process exits first, PEER_TIMEOUT after `timeoutMs`; both messages carry its stderr.
   */
  waitForLine<T>(pick: (line: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        dispose();
        fn();
      };
      const dispose = this.onLine((line) => {
        const value = pick(line);
        if (value !== undefined) finish(() => resolve(value));
      });
      const timer = setTimeout(() => {
        finish(() =>
          reject(new PeerError('PEER_TIMEOUT', `no ${what} within ${timeoutMs} ms: ${this.describeExit()}`)),
        );
      }, timeoutMs);
      void this.exited.then((info) => {
        // Lines already in the pipe are delivered before 'close'; give them the chance to match.
        void this.stdoutDone(500).then(() =>
          finish(() => reject(new PeerError('PEER_START_FAILED', `no ${what}: ${this.describeExit(info)}`))),
        );
      });
    });
  }

  /** Sends `signal` to the process (or its group) right away, ignoring one that is already gone. */
  killNow(signal: NodeJS.Signals): void {
    if (this.exitInfo || this.pid <= 0) return;
    try {
      process.kill(this.group ? -this.pid : this.pid, signal);
    } catch {
      // ESRCH: it exited between our check and the kill; the 'exit' event settles it.
    }
  }

  /**
   * Stops it and waits until it has been reaped: `signal` (default SIGTERM) first, SIGKILL after `graceMs`
   * (default 3000). Safe to call more than once and after it exited by itself.
   */
  async stop(options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.killNow(options.signal ?? 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceful = await Promise.race([
      this.exited,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), options.graceMs ?? 3000))),
    ]);
    clearTimeout(timer);
    const info = graceful ?? (this.killNow('SIGKILL'), await this.exited);
    if (this.group) this.killGroupLeftovers();
    return info;
  }

  /** A group leader that exited can leave its children behind (a shell's pipeline): they go too. */
  private killGroupLeftovers(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is empty, as it should be.
    }
  }
}

/** Starts a peer process (see PeerProcess). Throws PEER_MISSING when the program is not installed. */
export function startProcess(options: PeerProcessOptions): PeerProcess {
  return new PeerProcess(options);
}

export interface RunResult extends ExitInfo {
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to completion and collects its output (stdout capped at `stdoutLimit`, default 16 MiB).
 * After `timeoutMs` it is stopped and PEER_TIMEOUT is thrown with its stderr.
 */
export async function runProcess(
  options: PeerProcessOptions & { timeoutMs: number; stdoutLimit?: number },
): Promise<RunResult> {
  const peer = startProcess(options);
  const limit = options.stdoutLimit ?? 16 * 1024 * 1024;
  let stdout = '';
  peer.child.stdout?.on('data', (chunk: string) => {
    if (stdout.length < limit) stdout += chunk;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)),
  );
  const first = await Promise.race([peer.exited, timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') {
    await peer.stop({ graceMs: 1000 });
    throw new PeerError(
      'PEER_TIMEOUT',
      `${options.name} did not finish within ${options.timeoutMs} ms: ${peer.describeExit()}`,
    );
  }
  await peer.stdoutDone();
  return { ...first, stdout, stderr: peer.stderr() };
}
