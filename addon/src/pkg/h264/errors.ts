/**
 * Why H.264 bytes could not be read. Stable strings: callers and tests match on them.
 * - H264_TRUNCATED: a length, start code, record or bit field runs past the data.
 * - H264_BAD_NALU: a NAL unit or byte stream is malformed (empty NAL, data before a start code).
 * - H264_BAD_CONFIG: an avcC record is malformed (version, NAL length size, no SPS).
 * - H264_BAD_SPS: a sequence parameter set holds an impossible value.
 * - H264_LIMIT: more NAL units than the cap.
 */
export type H264ErrorCode = 'H264_TRUNCATED' | 'H264_BAD_NALU' | 'H264_BAD_CONFIG' | 'H264_BAD_SPS' | 'H264_LIMIT';

export class H264Error extends Error {
  override readonly name = 'H264Error';

  constructor(
    readonly code: H264ErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
