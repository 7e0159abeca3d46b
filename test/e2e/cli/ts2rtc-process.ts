import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../helpers/wait.js';

/** The built server, exactly what `npx ts2rtc` runs. */
export const MAIN_JS = fileURLToPath(new URL('../../../addon/dist/main.js', import.meta.url));

export interface Ts2rtcProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after 5 s; always reaped. */
  stop(): Promise<number | string>;
}

/**
 * Starts the built server. Unless `defaultPorts` is set, RTSP gets a free port and WebRTC's fixed port is
 * off, so tests never collide with each other or with a ts2rtc running on this machine.
 */
export function runTs2rtc(
  args: string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    defaultPorts?: boolean;
    /** Flags for node itself (`--expose-gc`). */ nodeArgs?: string[];
  },
): Ts2rtcProcess {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first`);
  const isolated = options.defaultPorts ? [] : ['-c', 'rtsp.listen=127.0.0.1:0', '-c', 'webrtc.listen='];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN_JS, ...args, ...isolated], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const stop = async (): Promise<number | string> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return exited;
  };
  return { child, stdout: () => out, stderr: () => err, exited, stop };
}

/** Waits for go2rtc's startup line, which Home Assistant also waits for, and returns the bound port. */
export async function waitForListen(proc: Ts2rtcProcess, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => proc.stdout().includes('INF [api] listen addr=') || proc.child.exitCode !== null, {
    timeoutMs,
    what: 'INF [api] listen addr=',
  });
  if (proc.child.exitCode !== null) {
    throw new Error(`ts2rtc exited with ${proc.child.exitCode}: ${proc.stderr()}${proc.stdout()}`);
  }
}
