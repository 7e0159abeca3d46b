import { Ts2rtcError } from '../../core/errors.js';

/**
 * Failures of the RTSP module's connections (the wire format's own errors are pkg/rtsp's RtspError):
 * - RTSP_CLOSED: the peer or we closed the connection while a request was waiting.
 * - RTSP_TIMEOUT: a request got no answer in time, or the media stopped arriving.
 * - RTSP_NO_TRACKS: the source's SDP has nothing we can play.
 * - RTSP_REDIRECTS: too many redirects.
 * - RTSP_TRANSPORT: a transport we cannot offer (`#transport=ws...`) or set up (no free UDP ports).
 * - RTSP_CONNECT: the camera could not be reached (refused, unreachable, TLS handshake, connect timeout).
 */
export type RtspModuleErrorCode =
  | 'RTSP_CLOSED'
  | 'RTSP_TIMEOUT'
  | 'RTSP_NO_TRACKS'
  | 'RTSP_REDIRECTS'
  | 'RTSP_TRANSPORT'
  | 'RTSP_CONNECT';

export class RtspModuleError extends Ts2rtcError {
  declare readonly code: RtspModuleErrorCode;
  constructor(code: RtspModuleErrorCode, message: string) {
    super(code, message);
  }
}
