import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why AAC configuration bytes could not be read. RTP payload errors are RtpError (pkg/rtp).
 * - AAC_TRUNCATED: an AudioSpecificConfig or StreamMuxConfig ends early.
 * - AAC_BAD_CONFIG: a field holds an impossible value (sampling index 13, no channels in a LATM layer).
 * - AAC_UNSUPPORTED: valid but not handled (several LATM programs/layers, in-band LATM config, CELP framing).
 */
export type AacErrorCode = 'AAC_TRUNCATED' | 'AAC_BAD_CONFIG' | 'AAC_UNSUPPORTED';

export class AacError extends Ts2rtcError {
  declare readonly code: AacErrorCode;

  constructor(code: AacErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
