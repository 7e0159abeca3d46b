import { Ts2rtcError } from '../../core/errors.js';

/**
 * - MULTIPART_NO_BOUNDARY: no `--boundary` line within the first bytes: the body is not multipart.
 * - MULTIPART_HEADER_TOO_LARGE: a part's header block did not end within the cap.
 * - MULTIPART_PART_TOO_LARGE: a part grew past the cap without its next boundary.
 * - MULTIPART_LENGTH_INVALID: a Content-Length that is not a decimal number within the cap.
 */
export type MultipartErrorCode =
  'MULTIPART_NO_BOUNDARY' | 'MULTIPART_HEADER_TOO_LARGE' | 'MULTIPART_PART_TOO_LARGE' | 'MULTIPART_LENGTH_INVALID';

export class MultipartError extends Ts2rtcError {
  declare readonly code: MultipartErrorCode;

  constructor(code: MultipartErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
