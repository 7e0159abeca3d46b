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
 * - RTSP_CONNECT: a camera could not be reached (refused, unreachable, TLS handshake, connect timeout).
 * - RTSP_REDIRECTS: too many redirects.
 * - RTSP_TRANSPORT: no free UDP port pair to set up a track on.
 * - RTSP_CLOSED / RTSP_TIMEOUT: the connection closed, or a request got no answer in time (the client's
 *   form of RtspConnectionError, naming the camera).
 * The server side refuses a request with RtspRequestError (code RTSP_<status>).
 */
export type RtspErrorCode =
  | 'RTSP_GARBAGE'
  | 'RTSP_BAD_MESSAGE'
  | 'RTSP_HEADER_TOO_LARGE'
  | 'RTSP_BODY_TOO_LARGE'
  | 'RTSP_BAD_HEADER'
  | 'RTSP_BAD_URL'
  | 'RTSP_AUTH_UNSUPPORTED'
  | 'RTSP_CONNECT'
  | 'RTSP_REDIRECTS'
  | 'RTSP_TRANSPORT'
  | 'RTSP_CLOSED'
  | 'RTSP_TIMEOUT'
  | `RTSP_${number}`;

export class RtspError extends Ts2rtcError {
  declare readonly code: RtspErrorCode;

  constructor(code: RtspErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}

/**
 * An RtspConnection's own failure: RTSP_CLOSED (closed while a request waited) or RTSP_TIMEOUT (no answer
 * in time, or a peer that stopped reading). The message does not start with the code: the client that
 * sees it rethrows it as an RtspError naming the camera (`RTSP_CLOSED: rtsp://cam/x: connection closed`).
 */
export class RtspConnectionError extends Ts2rtcError {
  declare readonly code: 'RTSP_CLOSED' | 'RTSP_TIMEOUT';

  constructor(code: 'RTSP_CLOSED' | 'RTSP_TIMEOUT', message: string) {
    super(code, message);
  }
}

/**
 * A request the server refuses with `status` (code `RTSP_<status>`, e.g. RTSP_404, RTSP_455): thrown by the
 * server session and by its handler (`server/handler.ts`). The message is for the debug log, without the code,
 * and never reaches the client, which sees only the status.
 */
export class RtspRequestError extends Ts2rtcError {
  declare readonly code: `RTSP_${number}`;

  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`RTSP_${status}`, message, options);
  }
}

/** `RTSP_401: Unauthorized (DESCRIBE rtsp://cam/live)` for a response a client cannot go on with. */
export function rtspStatusError(status: number, reason: string, context?: string): RtspError {
  const code: RtspErrorCode = `RTSP_${status}`;
  return new RtspError(code, context === undefined ? reason : `${reason} (${context})`);
}
