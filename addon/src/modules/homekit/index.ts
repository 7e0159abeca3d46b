import type { App } from '../../app.js';
import type { ApiModule } from '../api/index.js';
import { registerHomekitRoutes } from './api.js';
import { DEFAULT_HOMEKIT_TIMINGS, HomekitProducer, type HomekitTimings } from './producer.js';

export { browseHap } from './discovery.js';
export { HomekitError, type HomekitErrorCode } from './errors.js';
export { HomekitProducer, DEFAULT_HOMEKIT_TIMINGS, type HomekitTimings } from './producer.js';

/**
 * "Source: HomeKit": registers `homekit://` (a paired camera URL, go2rtc's spelling) before the config's
 * streams are made. Any origin may use it: it only talks HAP to the host in the URL.
 */
export function registerHomekitSource(app: App, timings: Partial<HomekitTimings> = {}): void {
  const merged = { ...DEFAULT_HOMEKIT_TIMINGS, ...timings };
  app.streams.registerSource('homekit', async (url, context) => {
    const producer = await HomekitProducer.open(url.base, merged);
    producer.onClose.once((err) => {
      if (err) context.log.warn({ stream: context.stream, code: (err as { code?: string }).code, err: err.message }, 'homekit: stream ended');
    });
    return producer;
  });
}

/** The API part (discovery, pair, unpair); registered with the other routes, before the API listens. */
export function init(app: App, api: ApiModule): void {
  registerHomekitRoutes(app, api);
}
