import type { App } from '../../app.js';
import { lazy } from '../../core/lazy.js';
import type { ApiModule } from '../api/index.js';
import type { SourceHandler } from '../streams/hub.js';
import type { OnvifApiOptions } from './api.js';

// SOAP, WS-Discovery and the XML readers load with the first onvif:// play or /api/onvif call, not at start.
const sourceModule = lazy(() => import('./source.js'));
const apiModule = lazy(() => import('./api.js'));

export type OnvifModuleOptions = OnvifApiOptions;

/**
 * "Source: ONVIF" (go2rtc 1.x), the scheme: `onvif://`. A network source like rtsp://: any origin may use it,
 * since it only connects to the device and then to the rtsp(s) URI the device names. Registered with the
 * other sources, before the config's streams are made.
 */
export function registerOnvifSource(app: App): void {
  const source = lazy(async () => (await sourceModule()).onvifSourceHandler(app));
  const handler: SourceHandler = async (url, context) => (await source())(url, context);
  app.streams.registerSource('onvif', handler);
}

/** The API part: `GET /api/onvif` (discovery; a camera's profiles with `?src=`). */
export function init(api: ApiModule, options: OnvifModuleOptions = {}): void {
  api.registerErrorStatus('ONVIF_AUTH', 401);
  api.registerErrorStatus('ONVIF_URL_INVALID', 400);
  api.registerErrorStatus('ONVIF_CONNECT', 502);
  api.registerErrorStatus('ONVIF_HTTP', 502);
  api.registerErrorStatus('ONVIF_FAULT', 502);
  api.registerErrorStatus('ONVIF_XML_INVALID', 502);
  api.registerErrorStatus('ONVIF_NO_PROFILES', 502);
  api.registerErrorStatus('ONVIF_DISCOVERY', 500);
  const handler = lazy(async () => (await apiModule()).onvifApiHandler(options));
  api.addRoute('GET', 'api/onvif', async (ctx) => (await handler())(ctx));
}
