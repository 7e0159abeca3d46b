import { Ts2rtcError } from '../../core/errors.js';

/**
 * - MJPEG_NO_KEYFRAME: the stream gave no key frame in time for a snapshot.
 * - MJPEG_SOURCE_ENDED: the stream ended before a key frame arrived.
 * - MJPEG_TRANSCODE_FAILED: ffmpeg could not turn the frame into a JPEG (the message has its last words).
 */
export type MjpegModuleErrorCode = 'MJPEG_NO_KEYFRAME' | 'MJPEG_SOURCE_ENDED' | 'MJPEG_TRANSCODE_FAILED';

export class MjpegModuleError extends Ts2rtcError {
  declare readonly code: MjpegModuleErrorCode;

  constructor(code: MjpegModuleErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
