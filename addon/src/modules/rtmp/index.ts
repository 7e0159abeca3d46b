export { rtmp, type RtmpModule } from './init.js';
export { RtmpProducer, DEFAULT_TIMEOUT_MS } from './producer.js';
export { RtmpServer, parseListen, type RtmpServerSettings } from './server.js';
export { RtmpModuleError, type RtmpModuleErrorCode } from './errors.js';

export { publishToRtmp } from './push.js';
export { FlvProducer, type FlvProducerOptions } from './flv-producer.js';
