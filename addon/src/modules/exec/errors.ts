import { Ts2rtcError } from '../../core/errors.js';

/**
 * - EXEC_START_FAILED: the program could not be started (not found, not executable).
 * - EXEC_EXITED: the process ended (before publishing, or while streaming); the message ends with its last
 *   stderr lines, which is what `/api/streams` shows of a failing source.
 * - EXEC_TIMEOUT: the process ran but published nothing within the start timeout.
 * - EXEC_NOT_ALLOWED: the program is not in `exec.allow_paths` / `echo.allow_paths`.
 * - EXEC_NO_RTSP: `{output}` needs the RTSP server, and `rtsp.listen` is off.
 * - EXEC_OUTPUT_UNSUPPORTED: the process writes to stdout in a format ts2rtc cannot read.
 */
export type ExecErrorCode =
  | 'EXEC_START_FAILED'
  | 'EXEC_EXITED'
  | 'EXEC_TIMEOUT'
  | 'EXEC_NOT_ALLOWED'
  | 'EXEC_NO_RTSP'
  | 'EXEC_OUTPUT_UNSUPPORTED';

export class ExecError extends Ts2rtcError {
  declare readonly code: ExecErrorCode;

  constructor(code: ExecErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message}`, options);
  }
}
