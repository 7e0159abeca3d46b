import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why a JPEG image could not be read or sent over RTP. RTP payload errors are RtpError (pkg/rtp).
 * - JPEG_TRUNCATED: a marker segment runs past the data, or there is no scan.
 * - JPEG_BAD_MARKER: bytes where a marker must be, or a segment with an impossible length or value.
 * - JPEG_UNSUPPORTED: a valid JPEG that RFC 2435 cannot carry (progressive, not YUV 4:2:2/4:2:0, custom
 *   Huffman tables, wider than 2040 pixels, 12-bit).
 */
export type JpegErrorCode = 'JPEG_TRUNCATED' | 'JPEG_BAD_MARKER' | 'JPEG_UNSUPPORTED';

export class JpegError extends Ts2rtcError {
  declare readonly code: JpegErrorCode;

  constructor(code: JpegErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
