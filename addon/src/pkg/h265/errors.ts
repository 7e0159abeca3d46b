import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why H.265 bytes could not be read. RTP payload errors are RtpError (pkg/rtp); these are the bitstream's.
 * - H265_TRUNCATED: a NAL length or header runs past the data.
 * - H265_BAD_NALU: a NAL unit is malformed (shorter than its 2-byte header, forbidden bit set).
 * - H265_LIMIT: more NAL units than the cap.
 */
export type H265ErrorCode = 'H265_TRUNCATED' | 'H265_BAD_NALU' | 'H265_LIMIT';

export class H265Error extends Ts2rtcError {
  declare readonly code: H265ErrorCode;

  constructor(code: H265ErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
