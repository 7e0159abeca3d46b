import type { App, Module } from '../../app.js';
import { lazy } from '../../core/lazy.js';

// HAP (SRP pairing, ChaCha frames, mDNS) loads with the first HomeKit play or API call, not at start.
const producerModule = lazy(() => import('./producer.js'));
const apiModule = lazy(() => import('./api.js'));

/**
 * "Source: HomeKit": registers `homekit://` (a paired camera URL, go2rtc's spelling) before the config's
 * streams are made. Any origin may use it: it only talks HAP to the host in the URL.
 */
function registerHomekitSource(app: App): void {
  const timings = app.tuning.homekit ?? {};
  app.streams.registerSource('homekit', async (url, context) => {
    const { DEFAULT_HOMEKIT_TIMINGS, HomekitProducer } = await producerModule();
    const producer = await HomekitProducer.open(url.base, { ...DEFAULT_HOMEKIT_TIMINGS, ...timings });
    producer.onClose.once((err) => {
      if (err)
        context.log.warn(
          { stream: context.stream, code: (err as { code?: string }).code, err: err.message },
          'homekit: stream ended',
        );
    });
    return producer;
  });
}

const ERROR_STATUSES: ReadonlyArray<[string, number]> = [
  ['HAP_URL_INVALID', 400],
  ['HAP_PAIR_WRONG_PIN', 400],
  ['HAP_PAIR_ALREADY_PAIRED', 409],
  ['HAP_PAIR_FAILED', 502],
  ['HAP_VERIFY_FAILED', 502],
  ['HAP_CONNECTION_CLOSED', 502],
  ['HAP_HTTP_INVALID', 502],
  ['HAP_HTTP_STATUS', 502],
  ['HAP_FRAME_INVALID', 502],
  ['HAP_TIMEOUT', 504],
  ['HOMEKIT_STREAM_NOT_FOUND', 404],
  ['HOMEKIT_STREAM_EXISTS', 409],
  ['HOMEKIT_NOT_PAIRED', 400],
  ['HOMEKIT_NOT_CAMERA', 400],
  ['HOMEKIT_BUSY', 503],
  ['HOMEKIT_SETUP_FAILED', 502],
  ['HOMEKIT_NO_MEDIA', 502],
  ['HOMEKIT_DISCOVERY_FAILED', 500],
];

/**
 * "Source: HomeKit" plus go2rtc's routes (see api.ts): `GET /api/discovery/homekit`, `POST /api/homekit`
 * (pair), `DELETE /api/homekit` (unpair).
 */
export function init(app: App): undefined {
  registerHomekitSource(app);
  const api = app.module('api');
  const handlers = lazy(async () => (await apiModule()).homekitHandlers(app));
  api.addRoute('GET', 'api/discovery/homekit', async (ctx) => (await handlers()).discovery(ctx));
  api.addRoute('POST', 'api/homekit', async (ctx) => (await handlers()).pair(ctx));
  api.addRoute('DELETE', 'api/homekit', async (ctx) => (await handlers()).unpair(ctx));
  for (const [code, status] of ERROR_STATUSES) api.registerErrorStatus(code, status);
  return undefined;
}

export const homekit: Module<'homekit'> = { name: 'homekit', init };
