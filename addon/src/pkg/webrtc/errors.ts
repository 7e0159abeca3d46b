import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why WebRTC signalling bytes could not be read.
 * - SDP_INVALID: the text is not an SDP (no `v=0`, a line without `x=`, a bad m-line).
 * - SDP_LIMIT: more media sections, codecs or bytes than any real offer has.
 * - CANDIDATE_INVALID: a `webrtc.candidates` entry or candidate line that does not parse.
 * - STUN_INVALID: bytes that are not the STUN message expected.
 * - TCP_FRAME_INVALID: an RFC 4571 frame that is empty or larger than allowed.
 */
export type WebrtcPkgErrorCode =
  'SDP_INVALID' | 'SDP_LIMIT' | 'CANDIDATE_INVALID' | 'STUN_INVALID' | 'TCP_FRAME_INVALID';

export class WebrtcPkgError extends Ts2rtcError {
  declare readonly code: WebrtcPkgErrorCode;
  constructor(code: WebrtcPkgErrorCode, message: string) {
    super(code, message);
  }
}
