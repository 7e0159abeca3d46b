import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why FLV or AMF0 bytes could not be read. Stable codes: callers and tests match on them.
 * - FLV_TRUNCATED: a header, tag or field runs past the data.
 * - FLV_BAD_HEADER: the stream does not start with an FLV header (`FLV`, version 1).
 * - FLV_BAD_TAG: a tag holds an impossible value (reserved type, a size over the cap).
 * - AMF_BAD: AMF0 data with an unknown marker or a malformed value.
 * - AMF_LIMIT: AMF0 data nested deeper, or with more entries, than the caps.
 */
export type FlvErrorCode = 'FLV_TRUNCATED' | 'FLV_BAD_HEADER' | 'FLV_BAD_TAG' | 'AMF_BAD' | 'AMF_LIMIT';

export class FlvError extends Ts2rtcError {
  declare readonly code: FlvErrorCode;

  constructor(code: FlvErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
