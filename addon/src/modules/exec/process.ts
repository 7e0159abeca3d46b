import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { maskCredentials } from '../../core/creds.js';
import { ExecError } from './errors.js';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ProcessOptions {
  /** The program and its arguments; no shell is involved. */
  readonly command: string;
  readonly args: readonly string[];
  /** Short name for logs and errors (`ffmpeg`, `exec`). */
  readonly name: string;
  /** Logger carrying the stream name; stderr lines go to it at debug. */
  readonly log: Logger;
  /** Defaults to 'ignore'. */
  readonly stdin?: 'ignore' | 'pipe';
  /** Defaults to 'ignore'. */
  readonly stdout?: 'ignore' | 'pipe';
  /** Sent first on stop. Defaults to SIGTERM (ffmpeg then sends TEARDOWN and exits cleanly). */
  readonly killSignal?: NodeJS.Signals;
  /** Time between the first signal and SIGKILL. Defaults to 3000 ms. */
  readonly killTimeoutMs?: number;
  /** How many stderr lines are kept for error messages. Defaults to 20. */
  readonly keepLines?: number;
  /**
   * Masks secrets in the command line before it is logged (ngrok's `--authtoken`); URL passwords are
   * always masked. Defaults to none.
   */
  readonly redact?: (commandLine: string) => string;
}

/** `setpriv` (util-linux) makes the kernel signal the child when ts2rtc dies, even by SIGKILL. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((file) => executable(file));

const MAX_LINE = 500;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The program's path, found as execvp would. Done up front because behind setpriv a missing program is
 * only an exit code 127, and "not found" deserves its own error.
 */
function findProgram(command: string): string | undefined {
  if (command.includes('/')) return executable(command) ? command : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * One child process with the lifecycle every source and transcoder needs: started without a shell in its own
 * process group, stderr logged at debug line by line (and its last lines kept for the error a user sees),
 * stopped with SIGTERM and then SIGKILL, and always waited for, so no zombie is left behind. Its group is
 * signalled, so a script's own children go with it.
 */
export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private readonly lines: string[] = [];
  private partial = '';
  private exitInfo: ExitInfo | undefined;
  private stopping: Promise<ExitInfo> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    private readonly options: ProcessOptions,
  ) {
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.flushPartial();
        options.log.debug({ pid, code, signal }, `${options.name}: exited`);
        resolve(this.exitInfo);
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => this.onStderr(text));
    // Errors after the spawn (EPIPE on stdin of a process that exited) are the exit's business.
    child.on('error', (err) => options.log.debug({ pid, err: err.message }, `${options.name}: process error`));
    child.stdin?.on('error', () => undefined);
  }

  /** Spawns the process; rejects with EXEC_START_FAILED when the program cannot be run. */
  static start(options: ProcessOptions): Promise<ManagedProcess> {
    const program = findProgram(options.command);
    if (!program)
      return Promise.reject(
        new ExecError('EXEC_START_FAILED', `${options.name}: ${options.command}: program not found`),
      );
    const [command, args] = SETPRIV
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', program, ...options.args]]
      : [options.command, [...options.args]];
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        stdio: [options.stdin ?? 'ignore', options.stdout ?? 'ignore', 'pipe'],
        detached: true,
        env: process.env,
      });
    } catch (err) {
      return Promise.reject(
        new ExecError('EXEC_START_FAILED', `${options.name}: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        }),
      );
    }
    return new Promise<ManagedProcess>((resolve, reject) => {
      child.once('spawn', () => {
        const pid = child.pid ?? 0;
        const line = maskCredentials([options.command, ...options.args].join(' '));
        options.log.debug({ pid, args: options.redact ? options.redact(line) : line }, `${options.name}: started`);
        resolve(new ManagedProcess(child, pid, options));
      });
      child.once('error', (err) =>
        reject(new ExecError('EXEC_START_FAILED', `${options.name}: ${err.message}`, { cause: err })),
      );
    });
  }

  get stdin(): Writable | null {
    return this.child.stdin;
  }

  get stdout(): Readable | null {
    return this.child.stdout;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  /** The last stderr lines, oldest first (credentials masked). */
  lastLines(): string[] {
    return [...this.lines];
  }

  /** `exited with code 1: <last stderr lines>` for error messages. */
  describeExit(info: ExitInfo | undefined = this.exitInfo): string {
    const how =
      info === undefined
        ? 'is running'
        : info.signal
          ? `was killed by ${info.signal}`
          : `exited with code ${info.code}`;
    const tail = this.lines.slice(-5).join(' | ');
    return `${this.options.name} ${how}${tail ? `: ${tail}` : ''}`;
  }

  /** The kill signal, SIGKILL after the timeout; resolves once the process is reaped. Safe to call twice. */
  stop(): Promise<ExitInfo> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    this.stopping ??= (async () => {
      this.signal(this.options.killSignal ?? 'SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), this.options.killTimeoutMs ?? 3000);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.stopping;
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.exitInfo) return;
    try {
      // The whole group: a shell script's children too.
      process.kill(-this.pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        // Already gone; the exit event follows.
      }
    }
  }

  private onStderr(text: string): void {
    const parts = (this.partial + text).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    if (this.partial.length > MAX_LINE * 4) this.partial = this.partial.slice(-MAX_LINE);
    for (const part of parts) this.addLine(part);
  }

  private flushPartial(): void {
    if (this.partial !== '') this.addLine(this.partial);
    this.partial = '';
  }

  private addLine(raw: string): void {
    const line = maskCredentials(raw.trim()).slice(0, MAX_LINE);
    if (line === '') return;
    this.lines.push(line);
    if (this.lines.length > (this.options.keepLines ?? 20)) this.lines.shift();
    this.options.log.debug({ pid: this.pid }, `${this.options.name}: ${line}`);
  }
}

/**
 * Every process a module started and has not seen exit, so shutdown can stop them all and tests can count
 * them. One per app (hung off the module's init), never global.
 */
export class ProcessTable {
  private readonly running = new Set<ManagedProcess>();

  add(proc: ManagedProcess): void {
    this.running.add(proc);
    void proc.exited.then(() => this.running.delete(proc));
  }

  get pids(): number[] {
    return [...this.running].map((p) => p.pid);
  }

  get size(): number {
    return this.running.size;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((p) => p.stop()));
  }
}
