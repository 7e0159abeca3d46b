import { Ts2rtcError } from '../../core/errors.js';

/**
 * - IVIDEON_ID_INVALID: `ivideon:` needs a camera id like `100-tu5dkUPct39cTp9oNEN2B6/0`.
 * - IVIDEON_UNAVAILABLE: the API refused the camera (`success: false`): not found, offline, not public; the
 *   message carries Ivideon's own text.
 * - IVIDEON_API: the API did not answer, or not with its JSON.
 * - IVIDEON_STREAM: the live stream broke its format (no H264 init, a bad fragment, an unknown message).
 * - IVIDEON_ENDED: the live stream's WebSocket closed or fell silent.
 */
export type IvideonErrorCode =
  'IVIDEON_ID_INVALID' | 'IVIDEON_UNAVAILABLE' | 'IVIDEON_API' | 'IVIDEON_STREAM' | 'IVIDEON_ENDED';

export class IvideonError extends Ts2rtcError {
  declare readonly code: IvideonErrorCode;

  constructor(code: IvideonErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message}`, options);
  }
}
