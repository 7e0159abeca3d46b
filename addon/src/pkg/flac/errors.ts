/**
 * Why PCM could not be encoded as FLAC. Stable strings: callers and tests match on them.
 * - FLAC_BAD_FORMAT: a sample rate, channel count or bit depth FLAC (or this encoder) cannot describe.
 * - FLAC_BLOCK_SIZE: a frame with no samples, more than the block size limit, or a partial sample.
 */
export type FlacErrorCode = 'FLAC_BAD_FORMAT' | 'FLAC_BLOCK_SIZE';

export class FlacError extends Error {
  override readonly name = 'FlacError';

  constructor(
    readonly code: FlacErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
