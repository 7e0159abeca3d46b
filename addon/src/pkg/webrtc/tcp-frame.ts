import { WebrtcPkgError } from './errors.js';

/**
 * RFC 4571 framing, as RFC 6544 uses it for ICE over TCP: every STUN, DTLS and SRTP packet is preceded by its
 * length as a 16-bit big-endian number.
 */
export function encodeFrameHeader(length: number): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > 0xffff) {
    throw new WebrtcPkgError('TCP_FRAME_INVALID', `frame of ${length} bytes cannot be framed`);
  }
  const header = Buffer.allocUnsafe(2);
  header.writeUInt16BE(length, 0);
  return header;
}

/**
 * The first frame in `buffer` when it is complete; undefined while more bytes are needed. Frames longer than
 * `maxLength` (the first frame on our port must be a small STUN request) or empty ones throw.
 */
export function readFirstFrame(buffer: Buffer, maxLength: number): { frame: Buffer; rest: Buffer } | undefined {
  if (buffer.length < 2) return undefined;
  const length = buffer.readUInt16BE(0);
  if (length === 0 || length > maxLength) {
    throw new WebrtcPkgError('TCP_FRAME_INVALID', `first frame of ${length} bytes (expected 1..${maxLength})`);
  }
  if (buffer.length < 2 + length) return undefined;
  return { frame: buffer.subarray(2, 2 + length), rest: buffer.subarray(2 + length) };
}
