import type { Logger } from 'pino';
import type { App, Module } from '../../app.js';
import { maskCredentials } from '../../core/creds.js';
import { checkAllowPaths, ExecError, execArgs, ManagedProcess, type LocalProcesses } from '../exec/index.js';

/** Most bytes of output read from the command; a source URL is far shorter. */
const MAX_OUTPUT = 64 * 1024;
/** How long the command may run. */
const RUN_TIMEOUT_MS = 30_000;

/**
 * "Source: Echo": `echo:<command>` runs the command (no shell) and opens the source URL it prints, as if that
 * URL had been written in the config (an RTSP link with a fresh token, an `ffmpeg:` URL...). Config only, like
 * exec:. The printed URL keeps the origin of the echo: URL, so nothing from the network is ever upgraded.
 */
export function init(app: App): undefined {
  const log = app.logger('echo');
  const local = app.module('exec');
  app.streams.registerSource(
    'echo',
    async (url, context) => {
      const [program = '', ...args] = execArgs(url);
      checkAllowPaths('echo', program, app.config.echo.allow_paths);
      const sourceLog = log.child({ stream: context.stream });
      const location = await runForOutput(program, args, sourceLog, local);
      sourceLog.debug({ url: maskCredentials(url.raw), location: maskCredentials(location) }, 'echo: source');
      return context.openSource(location);
    },
    { configOnly: true },
  );
  return undefined;
}

export const echo: Module<'echo'> = { name: 'echo', init };

async function runForOutput(
  program: string,
  args: readonly string[],
  log: Logger,
  local: LocalProcesses,
): Promise<string> {
  const proc = await ManagedProcess.start({ command: program, args, name: 'echo', log, stdout: 'pipe' });
  local.processes.add(proc);
  const chunks: Buffer[] = [];
  let size = 0;
  proc.stdout?.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_OUTPUT) chunks.push(chunk);
    else void proc.stop();
  });
  // 'exit' may come before the last output is read; 'close' of stdout comes after it.
  const drained = new Promise<void>((resolve) =>
    proc.stdout ? proc.stdout.once('close', () => resolve()) : resolve(),
  );
  const timer = setTimeout(() => void proc.stop(), RUN_TIMEOUT_MS);
  const [info] = await Promise.all([proc.exited, drained]);
  clearTimeout(timer);
  if (size > MAX_OUTPUT)
    throw new ExecError('EXEC_OUTPUT_UNSUPPORTED', `echo: more than ${MAX_OUTPUT} bytes of output`);
  if (info.code !== 0) throw new ExecError('EXEC_EXITED', proc.describeExit(info));
  const location = Buffer.concat(chunks).toString('utf8').trim();
  if (location === '') throw new ExecError('EXEC_OUTPUT_UNSUPPORTED', 'echo: the command printed no URL');
  return location;
}
