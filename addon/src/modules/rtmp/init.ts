import type { App, Module } from '../../app.js';
import { errorMessage } from '../../core/errors.js';
import { maskCredentials } from '../../core/creds.js';
import { lazy } from '../../core/lazy.js';
import { parseRtmpUrl } from '../../pkg/rtmp/url.js';
import type { SourceHandler } from '../streams/hub.js';
import type { RtmpServer } from './server.js';

// FLV, AMF and the chunk stream load with the first rtmp:// play, stream.flv request or a configured
// rtmp.listen, not at start.
const producer = lazy(() => import('./producer.js'));
const httpFlv = lazy(() => import('./http-flv.js'));

/** Timings the config file does not carry (tests shorten them). */
export interface RtmpModuleOptions {
  /** A publishing client that sends nothing for this long is dropped. Defaults to 15 s. */
  publisherTimeoutMs?: number;
}

export interface RtmpModule {
  /** The server on `rtmp.listen`; undefined until the app starts, and when no listen address is configured. */
  readonly server: RtmpServer | undefined;
}

/**
 * "Source: RTMP" and "Module: RTMP": registers `rtmp://` (play, `#timeout=<s>`), `/api/stream.flv` (HTTP-FLV
 * out, and in with POST), and the server on `rtmp.listen` (off unless configured) with the RTSP server's
 * credentials, which listens at start.
 */
export function init(app: App): RtmpModule {
  const log = app.logger('rtmp');
  const handler: SourceHandler = async (url, context) => {
    const { DEFAULT_TIMEOUT_MS, RtmpProducer } = await producer();
    const timeoutOption = url.options.find(([key]) => key === 'timeout')?.[1];
    const timeoutS = timeoutOption ? Number(timeoutOption) : NaN;
    const timeoutMs = Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS * 1000 : DEFAULT_TIMEOUT_MS;
    const where = maskCredentials(url.base);
    const sourceLog = log.child({ stream: context.stream });
    try {
      return await RtmpProducer.open({ url: parseRtmpUrl(url.base), where, timeoutMs, log: sourceLog });
    } catch (err) {
      sourceLog.warn({ url: where, err: errorMessage(err) }, 'rtmp: source failed to open');
      throw err;
    }
  };
  app.streams.registerSource('rtmp', handler);

  const api = app.module('api');
  api.addRoute(['GET', 'HEAD'], 'api/stream.flv', async (ctx) => (await httpFlv()).handleStreamFlv(app, ctx));
  api.addRoute('POST', 'api/stream.flv', async (ctx) => (await httpFlv()).handlePostFlv(app, ctx));

  let server: RtmpServer | undefined;
  app.onStart(async () => {
    if (!app.config.rtmp.listen) return;
    const { RtmpServer } = await import('./server.js');
    server = new RtmpServer(
      {
        listen: app.config.rtmp.listen,
        username: app.config.rtsp.username,
        password: app.config.rtsp.password,
        ...app.tuning.rtmp,
      },
      app.streams,
      log,
    );
    await server.start();
  });
  app.onStop(async () => {
    await server?.stop();
  });
  return {
    get server() {
      return server;
    },
  };
}

export const rtmp: Module<'rtmp'> = { name: 'rtmp', init };
