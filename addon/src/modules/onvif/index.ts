export { onvif, type OnvifModuleOptions } from './init.js';
export { OnvifClient, parseOnvifUrl, soapRequest, type OnvifTarget } from './client.js';
export { discoverDevices, type DiscoveredDevice } from './discovery.js';
export { discoveredSource, onvifApiHandler, profileSources, type ListedSource, type OnvifApiOptions } from './api.js';
export { withCredentials } from './source.js';
