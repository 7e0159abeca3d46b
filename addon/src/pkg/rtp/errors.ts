import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why RTP/RTCP bytes or an RTP payload could not be read. Every RTP payload format (the codec folders'
 * rtp-depacketizer.ts and rtp-packetizer.ts) throws this class too, so a connection catches one type.
 * - RTP_TRUNCATED: the packet ends inside the fixed header, the CSRC list, the extension or the padding.
 * - RTP_BAD_VERSION: the version field is not 2.
 * - RTCP_BAD_PACKET: an RTCP packet's length, type or report count does not fit its bytes.
 * - RTP_BAD_PAYLOAD: the payload breaks its RTP payload format (FU without start, AU header past the end).
 * - RTP_UNSUPPORTED: a valid payload form this library does not handle (STAP-B, interleaved mode, JPEG type 2).
 * - RTP_LIMIT: a frame grows past the size or NAL unit cap.
 * - RTP_BAD_OPTIONS: a packetizer/depacketizer option or fmtp parameter is out of range.
 */
export type RtpErrorCode =
  | 'RTP_TRUNCATED'
  | 'RTP_BAD_VERSION'
  | 'RTCP_BAD_PACKET'
  | 'RTP_BAD_PAYLOAD'
  | 'RTP_UNSUPPORTED'
  | 'RTP_LIMIT'
  | 'RTP_BAD_OPTIONS';

export class RtpError extends Ts2rtcError {
  declare readonly code: RtpErrorCode;

  constructor(code: RtpErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
