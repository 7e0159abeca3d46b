import type { App } from '../../app.js';
import type { ApiModule } from '../api/index.js';
import type { PublishClaims } from './server/publish-claims.js';
import { RtspServer } from './server/server.js';

export { RtspServer } from './server/server.js';
export { PublishClaims, type PublishClaim } from './server/publish-claims.js';

export interface RtspModule {
  readonly server: RtspServer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * "Module: RTSP": the server on `rtsp.listen` (readers, publishers, ONVIF backchannel). The `rtsp:`/`rtsps:`
 * camera source registers through `registerSource` so it is in place before the config's streams are made.
 */
export function init(app: App, api: ApiModule, publishClaims?: PublishClaims): RtspModule {
  const log = app.logger('rtsp');
  const config = app.config.rtsp;
  const server = new RtspServer(
    { listen: config.listen, username: config.username, password: config.password, defaultQuery: config.default_query, packetSize: config.pkt_size },
    app.streams,
    log,
    publishClaims,
  );
  // go2rtc's UI and clients read the RTSP port from here.
  api.setInfo('rtsp', { listen: config.listen, default_query: config.default_query });
  return {
    server,
    start: () => server.start(),
    stop: () => server.stop(),
  };
}
