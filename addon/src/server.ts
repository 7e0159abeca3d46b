import type { Logger } from 'pino';
import { createApp, type App, type Module, type ModuleTuning } from './app.js';
import type { Config } from './config/types.js';
import { api } from './modules/api/index.js';
import type { ApiAddresses, ApiModule } from './modules/api/index.js';
import { demo } from './modules/demo/index.js';
import { echo } from './modules/echo/index.js';
import { exec } from './modules/exec/index.js';
import { ffmpeg } from './modules/ffmpeg/index.js';
import { hass } from './modules/hass/index.js';
import { hls } from './modules/hls/init.js';
import { homekit } from './modules/homekit/init.js';
import { http } from './modules/http/init.js';
import { ivideon } from './modules/ivideon/init.js';
import type { Logging } from './modules/log/index.js';
import { mjpeg } from './modules/mjpeg/index.js';
import { mp4 } from './modules/mp4/index.js';
import { ngrok } from './modules/ngrok/init.js';
import { onvif } from './modules/onvif/init.js';
import { rtmp } from './modules/rtmp/init.js';
import { rtsp } from './modules/rtsp/index.js';
import { streams } from './modules/streams/index.js';
import { StreamHub, type HubOptions } from './modules/streams/hub.js';
import { webrtc } from './modules/webrtc/index.js';

/** The go2rtc version we answer as: Home Assistant's client accepts [1.9.13, 2.0.0) and recommends 1.9.14. */
export const GO2RTC_COMPATIBLE_VERSION = '1.9.14';
/** ts2rtc's own release, also shown in `GET /api`. */
export const TS2RTC_VERSION = '0.1.0';

/**
 * Every module, in the order their `init` runs: the one place that orders them. A module comes after those it
 * reaches with `app.module()`:
 * - `api` first: every other module adds routes and WebSocket messages to it;
 * - then the sources, which register their URL schemes (`rtsp` also makes the RTSP server, which `exec`'s
 *   processes publish into; `echo` and `ffmpeg` run processes through `exec`);
 * - `streams` makes the config's streams once every scheme is known (an unknown one is reported);
 * - then the outputs: `ngrok` adds a candidate to `webrtc`'s list, `hls` cuts `mp4`'s fragments, `mjpeg`
 *   transcodes through `exec`'s processes, and `hass` comes last: its cameras' streams yield to the config's.
 */
export const MODULES: readonly Module[] = [
  api,
  demo,
  rtsp,
  exec,
  echo,
  ffmpeg,
  http,
  homekit,
  rtmp,
  onvif,
  ivideon,
  streams,
  webrtc,
  ngrok,
  mp4,
  hls,
  mjpeg,
  hass,
];

export interface ServerOptions {
  config: Config;
  configPath?: string | undefined;
  logging: Logging;
  /** Hooks and timings per module that the config file does not carry (api.exit, test timings). */
  tuning?: ModuleTuning;
  hub?: HubOptions;
  /** Defaults to MODULES; a test may run a subset, in the same order. */
  modules?: readonly Module[];
}

export interface Server {
  readonly app: App;
  readonly api: ApiModule;
  readonly addresses: ApiAddresses;
  stop(): Promise<void>;
}

/**
 * Builds the app, runs every module's `init` in order, then starts: the modules' listeners in the order they
 * registered them, the API last (Home Assistant takes the API's listen line as "started"), then preloads.
 */
export async function startServer(options: ServerOptions): Promise<Server> {
  const log = options.logging.module('app');
  const app = createApp({
    config: options.config,
    configPath: options.configPath,
    version: GO2RTC_COMPATIBLE_VERSION,
    logger: (name) => options.logging.module(name),
    streams: new StreamHub(options.logging.module('streams'), {
      allowInsecureApiSources: options.config.ts2rtc.allow_insecure_api_sources,
      ...options.hub,
    }),
    tuning: { ...options.tuning, api: { log: options.logging.ring, ...options.tuning?.api } },
  });
  for (const module of options.modules ?? MODULES) app.add(module);
  const apiModule = app.module('api');
  apiModule.setInfo('ts2rtc', TS2RTC_VERSION);

  // The API closes first, so no request reaches a module that is stopping.
  const stop = async (): Promise<void> => {
    await runQuietly(() => apiModule.stop(), log);
    await app.stop((err) => log.error({ err }, 'stop handler failed'));
  };
  let addresses: ApiAddresses;
  try {
    await app.start();
    addresses = await apiModule.start();
  } catch (err) {
    await stop();
    throw err;
  }
  // go2rtc keeps preloaded streams connected from the start, so their first viewer sees a picture at once.
  for (const [name, query] of Object.entries(options.config.preload)) {
    apiModule.preloads.add(name, query).catch((err: unknown) => log.warn({ stream: name, err }, 'preload failed'));
  }
  return { app, api: apiModule, addresses, stop };
}

async function runQuietly(handler: () => Promise<void> | void, log: Logger): Promise<void> {
  try {
    await handler();
  } catch (err) {
    log.error({ err }, 'stop handler failed');
  }
}
