import { Ts2rtcError } from '../../core/errors.js';

/**
 * Failures of the RTMP module's connections (wire-format errors are pkg/rtmp's RtmpError and pkg/flv's FlvError):
 * - RTMP_CONNECT: the server could not be reached (refused, unreachable, connect timeout).
 * - RTMP_TIMEOUT: the handshake, a command answer or the media did not arrive in time (a stalled peer).
 * - RTMP_CLOSED: the peer or we closed the connection.
 * - RTMP_STREAM_NOT_FOUND: the server answered `NetStream.Play.StreamNotFound` (or we did, as a server).
 * - RTMP_REFUSED: the server answered `_error` or an error `onStatus` (bad app, publish refused, auth).
 * - RTMP_NO_TRACKS: the stream has no H264/H265/AAC/G.711 track we can carry.
 * - RTMP_LISTEN: `rtmp.listen` is invalid or taken.
 */
export type RtmpModuleErrorCode =
  | 'RTMP_CONNECT'
  | 'RTMP_TIMEOUT'
  | 'RTMP_CLOSED'
  | 'RTMP_STREAM_NOT_FOUND'
  | 'RTMP_REFUSED'
  | 'RTMP_NO_TRACKS'
  | 'RTMP_LISTEN';

export class RtmpModuleError extends Ts2rtcError {
  declare readonly code: RtmpModuleErrorCode;
  constructor(code: RtmpModuleErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
