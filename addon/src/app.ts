import type { Logger } from 'pino';
import type { Config } from './config/types.js';
import { Ts2rtcError } from './core/errors.js';
import type { ApiHooks, ApiModule } from './modules/api/index.js';
import type { LocalProcesses } from './modules/exec/index.js';
import type { FfmpegModule } from './modules/ffmpeg/index.js';
import type { HassModule, HassModuleOptions } from './modules/hass/index.js';
import type { HlsModule, HlsModuleOptions } from './modules/hls/init.js';
import type { HttpModuleOptions } from './modules/http/init.js';
import type { HomekitTimings } from './modules/homekit/producer.js';
import type { IvideonOptions } from './modules/ivideon/init.js';
import type { MjpegModule } from './modules/mjpeg/index.js';
import type { Mp4Module, Mp4ModuleOptions } from './modules/mp4/index.js';
import type { NgrokModule, NgrokModuleOptions } from './modules/ngrok/init.js';
import type { OnvifModuleOptions } from './modules/onvif/init.js';
import type { RtmpModule, RtmpModuleOptions } from './modules/rtmp/init.js';
import type { RtspModule, RtspModuleOptions } from './modules/rtsp/index.js';
import type { StreamHub } from './modules/streams/hub.js';
import type { WebrtcModule, WebrtcModuleOptions } from './modules/webrtc/index.js';

/**
 * What each module's `init(app)` returns, by module name: what it exposes to the modules after it. A module
 * with nothing to expose returns undefined.
 */
export interface ModuleExports {
  api: ApiModule;
  demo: undefined;
  rtsp: RtspModule;
  exec: LocalProcesses;
  echo: undefined;
  ffmpeg: FfmpegModule;
  http: undefined;
  homekit: undefined;
  rtmp: RtmpModule;
  onvif: undefined;
  ivideon: undefined;
  streams: undefined;
  webrtc: WebrtcModule;
  ngrok: NgrokModule;
  mp4: Mp4Module;
  hls: HlsModule;
  mjpeg: MjpegModule;
  hass: HassModule;
}

export type ModuleName = keyof ModuleExports;

/**
 * A module (go2rtc's `internal/<name>.Init`): `init` registers what the module serves (URL schemes on
 * `app.streams`, routes and WebSocket messages on `app.module('api')`, listeners through `app.onStart`) and
 * returns what it exposes. It reaches other modules only through `app.module(name)`, so the order in
 * `modules/index.ts` is the whole dependency story.
 */
export interface Module<K extends ModuleName = ModuleName> {
  readonly name: K;
  init(app: App): ModuleExports[K];
}

/**
 * Settings the config file does not carry: hooks from the host process (`api.exit`) and timings tests
 * shorten. Each module reads its own entry; all are optional.
 */
export interface ModuleTuning {
  api?: ApiHooks;
  webrtc?: WebrtcModuleOptions;
  mp4?: Mp4ModuleOptions;
  hls?: HlsModuleOptions;
  ngrok?: NgrokModuleOptions;
  homekit?: Partial<HomekitTimings>;
  ivideon?: IvideonOptions;
  onvif?: OnvifModuleOptions;
  rtsp?: RtspModuleOptions;
  rtmp?: RtmpModuleOptions;
  http?: HttpModuleOptions;
  hass?: HassModuleOptions;
}

/**
 * What every module's `init(app)` receives: the validated config, loggers, the stream hub, the modules
 * initialised before it and the lifecycle hooks. Registries hang off the app rather than module globals, so
 * tests can run several servers in one process.
 */
export interface App {
  readonly config: Config;
  /** The config file API writes go to (`PUT /api/streams`, `/api/config`); undefined when there is none. */
  readonly configPath: string | undefined;
  readonly version: string;
  logger(module: string): Logger;
  readonly streams: StreamHub;
  readonly tuning: ModuleTuning;
  /** What an earlier module's `init` returned; throws `MODULE_ORDER` when it has not run (an ordering bug). */
  module<K extends ModuleName>(name: K): ModuleExports[K];
  /** Listeners and background work: run in registration order once every module is initialised. */
  onStart(handler: () => Promise<void> | void): void;
  /** Registered by modules; run in reverse order at shutdown. */
  onStop(handler: () => Promise<void> | void): void;
}

/** An App plus what its owner (the server, or a test) uses to run it. */
export interface AppHost extends App {
  /** Runs `module.init(app)` and keeps what it returns for `app.module(name)`. */
  add: <K extends ModuleName>(module: Module<K>) => ModuleExports[K];
  /** Runs the `onStart` handlers in order. */
  start: () => Promise<void>;
  /** Runs the `onStop` handlers in reverse order; one that throws is reported and the rest still run. */
  stop: (onError: (err: unknown) => void) => Promise<void>;
}

export interface AppParts {
  readonly config: Config;
  readonly configPath?: string | undefined;
  readonly version: string;
  readonly streams: StreamHub;
  logger(module: string): Logger;
  readonly tuning?: ModuleTuning;
}

export function createApp(parts: AppParts): AppHost {
  const exports = new Map<ModuleName, unknown>();
  const startHandlers: Array<() => Promise<void> | void> = [];
  const stopHandlers: Array<() => Promise<void> | void> = [];
  const app: AppHost = {
    config: parts.config,
    configPath: parts.configPath,
    version: parts.version,
    streams: parts.streams,
    tuning: parts.tuning ?? {},
    logger: (name) => parts.logger(name),
    module<K extends ModuleName>(name: K): ModuleExports[K] {
      if (!exports.has(name)) throw new Ts2rtcError('MODULE_ORDER', `module ${name} is used before its init ran`);
      return exports.get(name) as ModuleExports[K];
    },
    onStart: (handler) => void startHandlers.push(handler),
    onStop: (handler) => void stopHandlers.push(handler),
    add(module) {
      if (exports.has(module.name)) throw new Ts2rtcError('MODULE_ORDER', `module ${module.name} is initialised twice`);
      const exposed = module.init(app);
      exports.set(module.name, exposed);
      return exposed;
    },
    async start() {
      for (const handler of startHandlers) await handler();
    },
    async stop(onError) {
      const handlers = stopHandlers.splice(0).reverse();
      for (const handler of handlers) {
        try {
          await handler();
        } catch (err) {
          onError(err);
        }
      }
    },
  };
  return app;
}
