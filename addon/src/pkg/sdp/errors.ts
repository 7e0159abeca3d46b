import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why an SDP could not be read or written.
 * - SDP_EMPTY: no `x=value` line at all (an empty DESCRIBE body, HTML from a web server).
 * - SDP_LIMIT: more bytes, lines, media sections or attributes than any real session has.
 * - SDP_UNSUPPORTED_CODEC: a codec with no RTP payload format here (FLAC, PCML, RAW), asked to be written.
 */
export type SdpErrorCode = 'SDP_EMPTY' | 'SDP_LIMIT' | 'SDP_UNSUPPORTED_CODEC';

export class SdpError extends Ts2rtcError {
  declare readonly code: SdpErrorCode;

  constructor(code: SdpErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
