export { FlacEncoder, MAX_BLOCK_SIZE, writeCodedNumber, type FlacEncoderOptions } from './encoder.js';
export { FlacError, type FlacErrorCode } from './errors.js';
export { crc8, crc16 } from './crc.js';
