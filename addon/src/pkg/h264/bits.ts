import { BitReader as GenericBitReader } from '../bits/index.js';
import { H264Error } from './errors.js';

/**
 * NAL payloads escape 00 00 0x (x <= 3) as 00 00 03 0x; bit-level parsing needs the raw
 * bytes back (H.264 7.4.1). Returns the input itself when there is nothing to remove.
 */
export function removeEmulationPrevention(nal: Buffer): Buffer {
  let first = -1;
  for (let i = 2; i < nal.length; i++) {
    if (nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) {
      first = i;
      break;
    }
  }
  if (first < 0) return nal;
  const out = Buffer.allocUnsafe(nal.length);
  nal.copy(out, 0, 0, first);
  let n = first;
  let zeros = 0;
  for (let i = first + 1; i < nal.length; i++) {
    const b = nal[i] ?? 0;
    if (b === 3 && zeros >= 2) {
      zeros = 0;
      continue;
    }
    out[n++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

/** MSB-first bit reader over an RBSP; reading past the end throws H264_TRUNCATED, an overlong Exp-Golomb code H264_BAD_SPS. */
export class BitReader extends GenericBitReader {
  constructor(data: Buffer, what: string) {
    super(data, {
      truncated: (field) => new H264Error('H264_TRUNCATED', `${what} ends inside ${field}`),
      invalid: (field, reason) => new H264Error('H264_BAD_SPS', `${what}: ${field} ${reason}`),
    });
  }
}
