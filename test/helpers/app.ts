import { pino, type Logger } from 'pino';
import { createApp, type AppHost, type ModuleTuning } from '../../addon/src/app.js';
import type { Config } from '../../addon/src/config/schema.js';
import { loadConfigText } from '../../addon/src/config/load.js';
import { StreamHub, type HubOptions } from '../../addon/src/modules/streams/hub.js';
import { registerTestSource, type TestProducer } from './test-producer.js';

export interface TestAppOptions {
  /** The config as YAML text or as a plain object (it goes through the real schema, defaults included). */
  config?: string | Record<string, unknown>;
  /** Where API edits are written; undefined = no config file (the API answers 410 for /api/config). */
  configPath?: string;
  /** Defaults to go2rtc's 1.9.14, the version the clients check. */
  version?: string;
  /** Hub timings; defaults shortened so idle stops and retries happen within a test. */
  hub?: HubOptions;
  /** Log level; defaults to silent (or info when `logLines` is given). */
  logLevel?: string;
  /** Collects every log line (pino JSON) here. */
  logLines?: string[];
  /** Hooks and timings for the modules the test adds (`app.add(webrtc)`). */
  tuning?: ModuleTuning;
}

export interface TestApp extends Omit<AppHost, 'stop'> {
  readonly rootLogger: Logger;
  /** Producers opened through the `test:` scheme, in order. */
  readonly opened: TestProducer[];
  /** Runs the registered stop handlers (reverse order), then stops the hub. */
  stop(): Promise<void>;
}

/**
 * An App as the server builds it, from an inline config: the real schema and defaults, a silent pino logger,
 * a StreamHub with the `test:` source registered, and no module yet (`app.add(api)`, then the modules under
 * test, in the server's order). Streams from the config are created with origin `config`.
 */
export function createTestApp(options: TestAppOptions = {}): TestApp {
  const text = typeof options.config === 'string' ? options.config : JSON.stringify(options.config ?? {});
  const config: Config = loadConfigText(text, { label: 'test', env: {} }).config;
  const lines = options.logLines;
  const rootLogger = lines
    ? pino({ level: options.logLevel ?? 'info' }, { write: (line: string) => void lines.push(line) })
    : pino({ level: options.logLevel ?? 'silent' });
  const streams = new StreamHub(rootLogger.child({ module: 'streams' }), {
    idleStopMs: 50,
    retryDelaysMs: [50],
    ...options.hub,
  });
  const { opened } = registerTestSource(streams);
  for (const [name, sources] of Object.entries(config.streams)) streams.set(name, sources, 'config');
  const host = createApp({
    config,
    configPath: options.configPath,
    version: options.version ?? '1.9.14',
    streams,
    logger: (module: string) => rootLogger.child({ module }),
    ...(options.tuning ? { tuning: options.tuning } : {}),
  });
  const runStopHandlers = host.stop;
  return Object.assign(host, {
    rootLogger,
    opened,
    async stop() {
      await runStopHandlers((err) => {
        throw err;
      });
      await streams.stop();
    },
  });
}
