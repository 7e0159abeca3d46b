import { BitReader } from '../bits/index.js';
import { AacError } from './errors.js';

/** MSB-first bit reader; reading past the end throws AAC_TRUNCATED. */
export class AacBitReader extends BitReader {
  constructor(data: Buffer, what: string) {
    super(data, {
      truncated: (field) => new AacError('AAC_TRUNCATED', `${what} ends inside ${field}`),
      invalid: (field, reason) => new AacError('AAC_BAD_CONFIG', `${what}: ${field} ${reason}`),
    });
  }
}

/** MSB-first bit writer: the generic one, under the name the AAC code uses. */
export { BitWriter as AacBitWriter } from '../bits/index.js';
