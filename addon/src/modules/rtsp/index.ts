import type { App, Module } from '../../app.js';
import { registerRtspSource } from './client/index.js';
import { RtspServer } from './server/server.js';

export { RtspServer } from './server/server.js';
export { PublishClaims, type PublishClaim } from './server/publish-claims.js';

/** Timings the config file does not carry (tests shorten them). */
export interface RtspModuleOptions {
  /** The RTSP server's session timeout, announced and enforced. Defaults to 60 s. */
  sessionTimeoutS?: number;
  /** The same for a publishing client. Defaults to 15 s. */
  publisherTimeoutS?: number;
}

export interface RtspModule {
  /** Listens at start; `server.publishClaims` takes the publish paths of exec:/ffmpeg: processes. */
  readonly server: RtspServer;
}

/**
 * "Module: RTSP": the `rtsp://`/`rtsps://` camera source, and the server on `rtsp.listen` (readers, publishers,
 * ONVIF backchannel), which listens at start. A source module too, so it comes before `streams`.
 */
export function init(app: App): RtspModule {
  registerRtspSource(app);
  const log = app.logger('rtsp');
  const config = app.config.rtsp;
  const server = new RtspServer(
    {
      listen: config.listen,
      username: config.username,
      password: config.password,
      defaultQuery: config.default_query,
      packetSize: config.pkt_size,
      ...app.tuning.rtsp,
    },
    app.streams,
    log,
  );
  // go2rtc's UI and clients read the RTSP port from here.
  app.module('api').setInfo('rtsp', { listen: config.listen, default_query: config.default_query });
  app.onStart(() => server.start());
  app.onStop(() => server.stop());
  return { server };
}

export const rtsp: Module<'rtsp'> = { name: 'rtsp', init };
