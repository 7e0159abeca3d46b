export { homekit } from './init.js';
export { homekitHandlers, type HomekitHandlers } from './api.js';
export { browseHap } from './discovery.js';
export { HomekitError, type HomekitErrorCode } from './errors.js';
export { HomekitProducer, DEFAULT_HOMEKIT_TIMINGS, type HomekitTimings } from './producer.js';
