import { Ts2rtcError } from '../../core/errors.js';

/**
 * Failures the RTSP module itself decides on. The connection and the client (pkg/rtsp) throw pkg/rtsp's
 * RtspError with the same codes where the failure is of the same kind (RTSP_CLOSED, RTSP_TIMEOUT,
 * RTSP_TRANSPORT), so a user or a test matches on the code whichever layer saw it:
 * - RTSP_CLOSED: the source was stopped while it reconnected.
 * - RTSP_TIMEOUT: a playing camera sent no media for `#timeout`.
 * - RTSP_NO_TRACKS: the source's SDP has nothing we can play, or a backchannel was asked of a media that is none.
 * - RTSP_TRANSPORT: a transport we cannot offer (`#transport=ws...`), or an `rtsp.listen` we cannot listen on.
 */
export type RtspModuleErrorCode = 'RTSP_CLOSED' | 'RTSP_TIMEOUT' | 'RTSP_NO_TRACKS' | 'RTSP_TRANSPORT';

export class RtspModuleError extends Ts2rtcError {
  declare readonly code: RtspModuleErrorCode;
  constructor(code: RtspModuleErrorCode, message: string) {
    super(code, message);
  }
}
