export { http } from './init.js';
export { HttpSourceError, type HttpSourceErrorCode } from './errors.js';
export { detectHttpFormat, detectMagic, type HttpFormat } from './format.js';
export { httpTarget } from './source.js';
