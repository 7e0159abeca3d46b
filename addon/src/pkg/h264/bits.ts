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

/** Exp-Golomb codes longer than this do not fit the 32-bit values H.264 allows. */
const MAX_LEADING_ZEROS = 31;

/** MSB-first bit reader over an RBSP; reading past the end throws H264_TRUNCATED. */
export class BitReader {
  private bit = 0;

  constructor(
    private readonly data: Buffer,
    private readonly what: string,
  ) {}

  get bitsLeft(): number {
    return this.data.length * 8 - this.bit;
  }

  u1(field: string): number {
    if (this.bit >= this.data.length * 8) this.fail(field);
    const byte = this.data[this.bit >> 3] ?? 0;
    const v = (byte >> (7 - (this.bit & 7))) & 1;
    this.bit++;
    return v;
  }

  /** Up to 32 bits, unsigned. */
  u(n: number, field: string): number {
    if (n > this.bitsLeft) this.fail(field);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.u1(field);
    return v;
  }

  skip(n: number, field: string): void {
    if (n > this.bitsLeft) this.fail(field);
    this.bit += n;
  }

  ue(field: string): number {
    let zeros = 0;
    while (this.u1(field) === 0) {
      zeros++;
      if (zeros > MAX_LEADING_ZEROS) {
        throw new H264Error('H264_BAD_SPS', `${this.what}: ${field} has more than ${MAX_LEADING_ZEROS} leading zeros`);
      }
    }
    return 2 ** zeros - 1 + this.u(zeros, field);
  }

  se(field: string): number {
    const k = this.ue(field);
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  private fail(field: string): never {
    throw new H264Error('H264_TRUNCATED', `${this.what} ends inside ${field}`);
  }
}
