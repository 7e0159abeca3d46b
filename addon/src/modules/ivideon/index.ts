export { ivideon, type IvideonOptions } from './init.js';
export { IvideonError, type IvideonErrorCode } from './errors.js';
export { DEFAULT_API_BASE, cameraId, liveStreamUrl, readLiveStreamAnswer } from './api.js';
export { parseFragment, parseInitSegment, type FragmentSample, type FragmentedTrack } from './fmp4.js';
export { IvideonProducer, parseStreamMessage } from './producer.js';
