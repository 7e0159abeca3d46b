import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why RTSP bytes, a header value or a URL could not be used.
 * - RTSP_GARBAGE: bytes that are neither a message nor an interleaved frame were skipped to resync (the
 *   reader reports it and goes on).
 * - RTSP_BAD_MESSAGE: a start line was recognised but the message is malformed (bad Content-Length).
 * - RTSP_HEADER_TOO_LARGE / RTSP_BODY_TOO_LARGE: over the reader's caps; the connection should close.
 * - RTSP_BAD_HEADER: a Transport, Session, RTP-Info, Range or authentication header cannot be read.
 * - RTSP_BAD_URL: not an rtsp:// or rtsps:// URL.
 * - RTSP_AUTH_UNSUPPORTED: a challenge with no scheme, algorithm or qop this client can answer.
 * - RTSP_<status>: a response status a client turns into an error, e.g. RTSP_401, RTSP_404 (rtspStatusError).
 */
export type RtspErrorCode =
  | 'RTSP_GARBAGE'
  | 'RTSP_BAD_MESSAGE'
  | 'RTSP_HEADER_TOO_LARGE'
  | 'RTSP_BODY_TOO_LARGE'
  | 'RTSP_BAD_HEADER'
  | 'RTSP_BAD_URL'
  | 'RTSP_AUTH_UNSUPPORTED'
  | `RTSP_${number}`;

export class RtspError extends Ts2rtcError {
  declare readonly code: RtspErrorCode;

  constructor(code: RtspErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}

/** `RTSP_401: Unauthorized (DESCRIBE rtsp://cam/live)` for a response a client cannot go on with. */
export function rtspStatusError(status: number, reason: string, context?: string): RtspError {
  const code: RtspErrorCode = `RTSP_${status}`;
  return new RtspError(code, context === undefined ? reason : `${reason} (${context})`);
}
