import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why an ffmpeg command line could not be built.
 * - FFMPEG_ARGS_INVALID: a template or `#raw=` value does not split into arguments (an unclosed quote), or is
 *   longer than the caps.
 * - FFMPEG_INPUT_INVALID: the input names nothing ffmpeg can open (an empty input, a device query without
 *   `video=`/`audio=`).
 */
export type FfmpegErrorCode = 'FFMPEG_ARGS_INVALID' | 'FFMPEG_INPUT_INVALID';

export class FfmpegError extends Ts2rtcError {
  declare readonly code: FfmpegErrorCode;

  constructor(code: FfmpegErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
