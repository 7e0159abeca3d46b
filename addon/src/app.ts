import type { Logger } from 'pino';
import type { StreamHub } from './modules/streams/hub.js';
import type { Config } from './config/types.js';

/**
 * What every module's `init(app)` receives: the validated config, loggers, the stream hub and the
 * registries other modules add to. Registries hang off the app rather than module globals, so tests can
 * run several servers in one process.
 */
export interface App {
  readonly config: Config;
  /** The config file API writes go to (`PUT /api/streams`, `/api/config`); undefined when there is none. */
  readonly configPath: string | undefined;
  readonly version: string;
  logger(module: string): Logger;
  readonly streams: StreamHub;
  /** Registered by modules; run in reverse order at shutdown. */
  onStop(handler: () => Promise<void> | void): void;
}
