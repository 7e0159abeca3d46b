import { Ts2rtcError } from '../../core/errors.js';

/**
 * - HTTP_STATUS: the server answered something other than 200 (the message carries status and reason).
 * - HTTP_CONNECT: no answer: connection refused, DNS, TLS, or no response headers within the timeout.
 * - HTTP_FORMAT_UNSUPPORTED: the body is none of the formats the source reads (the message names the
 *   Content-Type and the first bytes seen).
 * - HTTP_ENDED: a stream (MJPEG) ended or broke while playing.
 * - HTTP_TIMEOUT: a stream (MJPEG) stopped coming with its connection open (`DEFAULT_MJPEG_STALL_MS`).
 * - HTTP_REDIRECT_INVALID: too many redirects, or one to a scheme that is not http(s).
 */
export type HttpSourceErrorCode =
  'HTTP_STATUS' | 'HTTP_CONNECT' | 'HTTP_FORMAT_UNSUPPORTED' | 'HTTP_ENDED' | 'HTTP_TIMEOUT' | 'HTTP_REDIRECT_INVALID';

export class HttpSourceError extends Ts2rtcError {
  declare readonly code: HttpSourceErrorCode;

  constructor(code: HttpSourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message}`, options);
  }
}
