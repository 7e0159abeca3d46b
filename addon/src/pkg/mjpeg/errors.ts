import { Ts2rtcError } from '../../core/errors.js';

/**
 * - MJPEG_NOT_JPEG: bytes where a JPEG marker must be (no SOI at the start, a segment length that cannot be).
 * - MJPEG_TRUNCATED: the image ends before its frame header.
 * - MJPEG_TOO_LARGE: a frame grew past the splitter's cap without ending.
 */
export type MjpegErrorCode = 'MJPEG_NOT_JPEG' | 'MJPEG_TRUNCATED' | 'MJPEG_TOO_LARGE';

export class MjpegError extends Ts2rtcError {
  declare readonly code: MjpegErrorCode;

  constructor(code: MjpegErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
