import { Ts2rtcError } from '../../core/errors.js';

/**
 * Why RTMP bytes could not be read. Stable codes: callers and tests match on them.
 * - RTMP_HANDSHAKE: the peer's C0/S0 is not RTMP version 3 (an HTTP request, TLS, garbage).
 * - RTMP_CHUNK: a chunk refers to a chunk stream with no earlier header, or a message length changes midway.
 * - RTMP_LIMIT: a chunk size, message size or chunk-stream count over the caps.
 * - RTMP_COMMAND: a command message that is not AMF0 name + transaction id.
 */
export type RtmpErrorCode = 'RTMP_HANDSHAKE' | 'RTMP_CHUNK' | 'RTMP_LIMIT' | 'RTMP_COMMAND';

export class RtmpError extends Ts2rtcError {
  declare readonly code: RtmpErrorCode;

  constructor(code: RtmpErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
