import type { App } from '../../app.js';
import { errorMessage } from '../../core/errors.js';
import { maskCredentials } from '../../core/creds.js';
import { parseRtmpUrl } from '../../pkg/rtmp/index.js';
import type { SourceHandler } from '../streams/hub.js';
import { DEFAULT_TIMEOUT_MS, RtmpProducer } from './producer.js';
import { RtmpServer } from './server.js';

export { RtmpProducer, DEFAULT_TIMEOUT_MS } from './producer.js';
export { RtmpServer, parseListen, type RtmpServerSettings } from './server.js';
export { RtmpModuleError, type RtmpModuleErrorCode } from './errors.js';

export interface RtmpModule {
  readonly server: RtmpServer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * "Source: RTMP" and "Module: RTMP": registers `rtmp://` (play, `#timeout=<s>`), and makes the server on
 * `rtmp.listen` (off unless configured) with the RTSP server's credentials. The server listens in `start()`;
 * `stop()` is registered with the app.
 */
export function init(app: App): RtmpModule {
  const log = app.logger('rtmp');
  const handler: SourceHandler = async (url, context) => {
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
  const server = new RtmpServer(
    { listen: app.config.rtmp.listen, username: app.config.rtsp.username, password: app.config.rtsp.password },
    app.streams,
    log,
  );
  app.onStop(() => server.stop());
  return { server, start: () => server.start(), stop: () => server.stop() };
}
export { initApi } from './http-flv.js';
export { publishToRtmp } from './push.js';
export { FlvProducer, type FlvProducerOptions } from './flv-producer.js';
