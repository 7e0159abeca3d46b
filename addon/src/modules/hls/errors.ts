import { Ts2rtcError } from '../../core/errors.js';

/**
 * Codes of the HLS module.
 * - HLS_SESSION_NOT_FOUND: no session with that `id` (never made, or expired after the keepalive timeout). 404.
 * - HLS_SEGMENT_NOT_FOUND: the segment `n` left the window, is not made yet, or is of the other format. 404.
 * - HLS_NOT_READY: no segment was complete in time for the first playlist (the source sends nothing). 503.
 */
export type HlsErrorCode = 'HLS_SESSION_NOT_FOUND' | 'HLS_SEGMENT_NOT_FOUND' | 'HLS_NOT_READY';

export class HlsError extends Ts2rtcError {
  declare readonly code: HlsErrorCode;

  constructor(code: HlsErrorCode, message: string) {
    super(code, message);
  }
}
