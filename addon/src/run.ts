import { setFlagsFromString } from 'node:v8';
import { CliError, parseArgs, USAGE } from './cli.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { errorMessage, Ts2rtcError } from './core/errors.js';
import { createLogging } from './modules/log/index.js';
import { GO2RTC_COMPATIBLE_VERSION, startServer, TS2RTC_VERSION, type Server } from './server.js';

/** Wiring only: arguments, config, logging, the server, signals. Exit codes: 1 config/start error, 2 usage. */
async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`ts2rtc: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    process.stdout.write(
      `ts2rtc version ${TS2RTC_VERSION} (go2rtc API ${GO2RTC_COMPATIBLE_VERSION}) ${process.platform}/${process.arch}\n`,
    );
    return 0;
  }

  let loaded;
  try {
    loaded = loadConfig(args.configs, { cwd: process.cwd() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`ts2rtc: ${err.message}\n`);
    return 1;
  }
  const { config, files, warnings, secrets } = loaded;
  // No config file and no streams: a newcomer gets something to watch at once (`-c api.listen=:8080` alone
  // still counts as "no config" here).
  const demo = files.length === 0 && Object.keys(config.streams).length === 0;
  if (demo) config.streams = { demo: ['demo:'] };

  const logging = createLogging(config.log, undefined, { secrets });
  const log = logging.module('app');
  log.info({ version: TS2RTC_VERSION, node: process.version, config: files.join(',') || undefined }, 'ts2rtc');
  for (const w of warnings)
    log.warn({ file: w.file, line: w.line, column: w.column, path: w.path || undefined }, w.message);
  if (demo) log.info('no config file found: serving the built-in demo stream "demo"');

  let server: Server | undefined;
  try {
    server = await startServer({
      config,
      configPath: loaded.writablePath,
      logging,
      tuning: { api: { exit: (code) => void shutdown(code) } },
    });
  } catch (err) {
    const code = err instanceof Ts2rtcError ? err.code : 'START_FAILED';
    log.fatal({ code }, errorMessage(err));
    return 1;
  }
  // main.ts kept the optimizing compiler off while the modules loaded. It stays off while nobody watches:
  // TurboFan, once it runs, keeps its code and the node binary's resident, and a camera publishing alone costs
  // the interpreter and baseline code little more (measured, 4 Mbit/s camera, no viewer, after 30 s: 11 ms/s
  // and RSS 58.6 MB as is; TurboFan on at the publisher: 8-9 ms/s and 64.8 MB). The first consumer makes the
  // media path hot, and fan-out needs it.
  server.app.streams.onConsumerAdded.once(() => setFlagsFromString('--opt'));

  let stopping = false;
  async function shutdown(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info({ code }, 'stopping');
    await server?.stop();
    process.exit(code);
  }
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ts2rtc: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
