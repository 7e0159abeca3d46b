import type { App, Module } from '../../app.js';
import { lazy } from '../../core/lazy.js';
import type { SourceHandler } from '../streams/hub.js';
import type { OnvifApiOptions } from './api.js';

// SOAP, WS-Discovery and the XML readers load with the first onvif:// play or /api/onvif call, not at start.
const sourceModule = lazy(() => import('./source.js'));
const apiModule = lazy(() => import('./api.js'));

export type OnvifModuleOptions = OnvifApiOptions;

/**
 * "Source: ONVIF" (go2rtc 1.x), the scheme: `onvif://`. A network source like rtsp://: any origin may use it,
 * since it only connects to the device and then to the rtsp(s) URI the device names. Plus the API part:
 * `GET /api/onvif` (discovery; a camera's profiles with `?src=`).
 */
export function init(app: App): undefined {
  const source = lazy(async () => (await sourceModule()).onvifSourceHandler(app));
  const sourceHandler: SourceHandler = async (url, context) => (await source())(url, context);
  app.streams.registerSource('onvif', sourceHandler);

  const options: OnvifModuleOptions = app.tuning.onvif ?? {};
  const api = app.module('api');
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
  return undefined;
}

export const onvif: Module<'onvif'> = { name: 'onvif', init };
