import type { App } from '../../app.js';
import type { ApiModule } from '../api/index.js';
import { registerOnvifApi, type OnvifApiOptions } from './api.js';
import { onvifSourceHandler } from './source.js';

export { OnvifClient, parseOnvifUrl, soapRequest, type OnvifTarget } from './client.js';
export { discoverDevices, type DiscoveredDevice } from './discovery.js';
export { discoveredSource, profileSources, type ListedSource } from './api.js';
export { withCredentials } from './source.js';

export type OnvifModuleOptions = OnvifApiOptions;

/**
 * "Source: ONVIF" (go2rtc 1.x), the scheme: `onvif://`. A network source like rtsp://: any origin may use it,
 * since it only connects to the device and then to the rtsp(s) URI the device names. Registered with the
 * other sources, before the config's streams are made.
 */
export function registerOnvifSource(app: App): void {
  app.streams.registerSource('onvif', onvifSourceHandler(app));
}

/** The API part: `GET /api/onvif` (discovery; a camera's profiles with `?src=`). */
export function init(api: ApiModule, options: OnvifModuleOptions = {}): void {
  registerOnvifApi(api, options);
}
