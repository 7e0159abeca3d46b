import type { Logger } from 'pino';
import type { App } from './app.js';
import type { Config } from './config/types.js';
import * as api from './modules/api/index.js';
import type { ApiAddresses, ApiHooks, ApiModule } from './modules/api/index.js';
import * as demo from './modules/demo/index.js';
import * as echo from './modules/echo/index.js';
import * as exec from './modules/exec/index.js';
import * as ffmpeg from './modules/ffmpeg/index.js';
import * as hass from './modules/hass/index.js';
import type { HassModuleOptions } from './modules/hass/index.js';
import * as homekit from './modules/homekit/init.js';
import * as hls from './modules/hls/init.js';
import * as http from './modules/http/init.js';
import * as ivideon from './modules/ivideon/init.js';
import * as mjpeg from './modules/mjpeg/index.js';
import * as ngrok from './modules/ngrok/init.js';
import * as onvif from './modules/onvif/init.js';
import * as rtsp from './modules/rtsp/index.js';
import * as rtmp from './modules/rtmp/init.js';
import { registerRtspSource } from './modules/rtsp/client/index.js';
import type { Logging } from './modules/log/index.js';
import * as mp4 from './modules/mp4/index.js';
import * as streams from './modules/streams/index.js';
import * as webrtc from './modules/webrtc/index.js';
import { StreamHub } from './modules/streams/hub.js';
import type { HubOptions } from './modules/streams/hub.js';

/** The go2rtc version we answer as: Home Assistant's client accepts [1.9.13, 2.0.0) and recommends 1.9.14. */
export const GO2RTC_COMPATIBLE_VERSION = '1.9.14';
/** ts2rtc's own release, also shown in `GET /api`. */
export const TS2RTC_VERSION = '0.1.0';

export interface ServerOptions {
  config: Config;
  configPath?: string | undefined;
  logging: Logging;
  api?: ApiHooks;
  hub?: HubOptions;
  hass?: HassModuleOptions;
}

export interface Server {
  readonly app: App;
  readonly api: ApiModule;
  readonly addresses: ApiAddresses;
  stop(): Promise<void>;
}

/**
 * Builds the app and runs every module's `init` in order, then opens the listeners. The order matters:
 * source modules register their schemes before `streams` creates the config's streams (so unknown schemes are
 * reported), and everything registers routes before the API listens.
 */
export async function startServer(options: ServerOptions): Promise<Server> {
  const stopHandlers: Array<() => Promise<void> | void> = [];
  const log = options.logging.module('app');
  const app: App = {
    config: options.config,
    configPath: options.configPath,
    version: GO2RTC_COMPATIBLE_VERSION,
    logger: (name) => options.logging.module(name),
    streams: new StreamHub(options.logging.module('streams'), {
      allowInsecureApiSources: options.config.ts2rtc.allow_insecure_api_sources,
      ...options.hub,
    }),
    onStop: (handler) => stopHandlers.push(handler),
  };

  // Sources.
  demo.init(app);
  registerRtspSource(app);
  // Process-backed sources publish into the RTSP server, which listens later: they read its port when they run
  // and claim their publish paths here.
  const publishClaims = new rtsp.PublishClaims();
  const local = exec.localProcesses(app, () => rtspModule.server.port, publishClaims);
  exec.init(app, local);
  echo.init(app, local);
  const ffmpegModule = ffmpeg.registerFfmpegSource(app, local);
  http.init(app);
  homekit.registerHomekitSource(app);
  const rtmpModule = rtmp.init(app);
  onvif.registerOnvifSource(app);
  ivideon.registerIvideonSource(app);
  // Streams from the config, now that every scheme is known.
  streams.init(app);
  // Outputs and the API last.
  const apiModule = api.init(app, { log: options.logging.ring, ...options.api });
  apiModule.setInfo('ts2rtc', TS2RTC_VERSION);
  const rtspModule = rtsp.init(app, apiModule, publishClaims);
  const webrtcModule = webrtc.init(app, apiModule);
  // The agent's public TCP address becomes a candidate in the list WebRTC reads at every offer.
  const ngrokModule = ngrok.init(app, apiModule, { webrtc: { candidates: webrtcModule.settings.candidates, tcpPort: () => webrtcModule.tcpPort } });
  // Output modules: register their WebSocket handlers and routes before the API listens.
  const mp4Module = mp4.init(app, apiModule);
  hls.init(app, apiModule, mp4Module);
  ffmpeg.init(apiModule, ffmpegModule);
  mjpeg.init(app, apiModule, local);
  rtmp.initApi(app, apiModule);
  homekit.init(app, apiModule);
  onvif.init(apiModule);
  // Home Assistant's cameras become streams after the config's (whose names win).
  const hassModule = hass.init(app, apiModule, options.hass);

  const stop = async (): Promise<void> => {
    await apiModule.stop();
    await rtspModule.stop();
    for (const handler of stopHandlers.reverse()) await runQuietly(handler, log);
  };
  let addresses: ApiAddresses;
  try {
    // Media listeners before the API: HA treats the API's listen line as "started".
    await hassModule.start();
    await rtspModule.start();
    await rtmpModule.start();
    await webrtcModule.start();
    await ngrokModule.start();
    addresses = await apiModule.start();
    hassModule.announce(addresses.http?.port);
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
