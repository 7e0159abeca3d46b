import { Ts2rtcError } from '../../core/errors.js';

/**
 * Codes of the MPEG-TS muxer and reader.
 * - MPEGTS_INPUT: the muxer was given something it cannot write (unknown track, bad timestamp).
 * - MPEGTS_CODEC: a codec configuration MPEG-TS cannot carry (AAC whose object type ADTS has no profile for).
 * - MPEGTS_SYNC: a packet does not start with the sync byte 0x47, or the input is not whole packets.
 * - MPEGTS_BAD_SECTION: a PAT/PMT that is truncated, malformed, or fails its CRC.
 * - MPEGTS_BAD_PES: a PES header that is truncated or malformed.
 * - MPEGTS_LIMIT: more packets, streams or PES bytes than the reader accepts.
 */
export type MpegTsErrorCode =
  'MPEGTS_INPUT' | 'MPEGTS_CODEC' | 'MPEGTS_SYNC' | 'MPEGTS_BAD_SECTION' | 'MPEGTS_BAD_PES' | 'MPEGTS_LIMIT';

export class MpegTsError extends Ts2rtcError {
  declare readonly code: MpegTsErrorCode;

  constructor(code: MpegTsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
