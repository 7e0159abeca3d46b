import type { App } from '../../app.js';
import { maskCredentials } from '../../core/creds.js';
import { splitArgs } from '../../pkg/ffmpeg/index.js';
import type { SourceHandler } from '../streams/hub.js';
import { sourceOption, type SourceUrl } from '../streams/source-url.js';
import { ExecError } from './errors.js';
import type { LocalProcesses } from './index.js';
import { PipeProducer } from './pipe.js';
import { ProcessProducer } from './producer.js';

/** The command of an `exec:`/`echo:` URL as arguments (no shell). Throws FFMPEG_ARGS_INVALID, EXEC_START_FAILED. */
export function execArgs(url: SourceUrl): string[] {
  const args = splitArgs(url.rest);
  if (args.length === 0) throw new ExecError('EXEC_START_FAILED', `${url.scheme}: no command`);
  return args;
}

/** `exec.allow_paths` / `echo.allow_paths`: when set, only these programs run. */
export function checkAllowPaths(scheme: string, program: string, allowPaths: readonly string[] | null): void {
  if (allowPaths !== null && !allowPaths.includes(program)) {
    throw new ExecError('EXEC_NOT_ALLOWED', `${scheme}: ${program} is not in ${scheme}.allow_paths`);
  }
}

function seconds(url: SourceUrl, key: string): number | undefined {
  const text = sourceOption(url, key);
  return text !== undefined && /^\d{1,5}$/.test(text) ? Number(text) * 1000 : undefined;
}

/** go2rtc's `#killsignal=15` is a number; the names Node needs for the ones that make sense. */
function killSignal(url: SourceUrl): NodeJS.Signals | undefined {
  const names: Record<string, NodeJS.Signals> = {
    '1': 'SIGHUP',
    '2': 'SIGINT',
    '3': 'SIGQUIT',
    '9': 'SIGKILL',
    '15': 'SIGTERM',
  };
  const text = sourceOption(url, 'killsignal');
  return text === undefined ? undefined : names[text];
}

export function registerExecSource(app: App, local: LocalProcesses): void {
  const log = app.logger('exec');
  const handler: SourceHandler = async (url, context) => {
    const args = execArgs(url);
    const [program = '', ...rest] = args;
    checkAllowPaths('exec', program, app.config.exec.allow_paths);
    if (sourceOption(url, 'backchannel') === '1')
      throw new ExecError('EXEC_OUTPUT_UNSUPPORTED', 'exec: #backchannel=1 is not supported');
    const common = {
      command: program,
      args: rest,
      log: log.child({ stream: context.stream }),
      processes: local.processes,
      ...(seconds(url, 'starttimeout') !== undefined ? { startTimeoutMs: seconds(url, 'starttimeout') } : {}),
      ...(seconds(url, 'killtimeout') !== undefined ? { killTimeoutMs: seconds(url, 'killtimeout') } : {}),
      ...(killSignal(url) ? { killSignal: killSignal(url) } : {}),
    };
    const description = { formatName: 'exec', source: maskCredentials(url.raw) };
    if (!url.rest.includes('{output}'))
      return PipeProducer.open({ ...common, description: { ...description, protocol: 'pipe' } });
    return ProcessProducer.open({
      ...common,
      name: 'exec',
      medias: undefined,
      description: { ...description, protocol: 'rtsp' },
      ingest: local.ingest,
    });
  };
  app.streams.registerSource('exec', handler, { configOnly: true });
}
