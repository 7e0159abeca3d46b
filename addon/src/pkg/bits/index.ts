/**
 * MSB-first bit reading and writing for the codec headers ts2rtc parses (H.264/H.265 SPS, AAC
 * AudioSpecificConfig and LATM). Each codec package wraps these with its own typed errors, so a short or
 * malformed header reports in that codec's terms (H264_TRUNCATED, AAC_TRUNCATED).
 */

/** How a reader reports what it cannot read, in its codec's terms. */
export interface BitErrors {
  /** The data ends inside `field`. */
  truncated(field: string): Error;
  /** `field` holds a value that cannot be (an Exp-Golomb code longer than 32 bits). */
  invalid(field: string, reason: string): Error;
}

/** Exp-Golomb codes longer than this do not fit the 32-bit values the codecs allow. */
const MAX_LEADING_ZEROS = 31;

export class BitReader {
  /** The next bit to read, counted from the first byte's most significant bit. */
  pos = 0;

  constructor(
    private readonly data: Buffer,
    private readonly errors: BitErrors,
  ) {}

  get bitsLeft(): number {
    return this.data.length * 8 - this.pos;
  }

  u1(field: string): number {
    if (this.pos >= this.data.length * 8) throw this.errors.truncated(field);
    return this.bit();
  }

  /** Up to 32 bits, unsigned. */
  u(n: number, field: string): number {
    if (n > this.bitsLeft) throw this.errors.truncated(field);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  /** Like `u`, but bits past the end read as zeros (for trailing fields writers leave out). */
  uOrZero(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }

  skip(n: number, field: string): void {
    if (n > this.bitsLeft) throw this.errors.truncated(field);
    this.pos += n;
  }

  /** Unsigned Exp-Golomb (H.264 9.1). */
  ue(field: string): number {
    let zeros = 0;
    while (this.u1(field) === 0) {
      zeros++;
      if (zeros > MAX_LEADING_ZEROS)
        throw this.errors.invalid(field, `has more than ${MAX_LEADING_ZEROS} leading zeros`);
    }
    return 2 ** zeros - 1 + this.u(zeros, field);
  }

  /** Signed Exp-Golomb (H.264 9.1.1). */
  se(field: string): number {
    const k = this.ue(field);
    // 0 for k = 0, not -0.
    return k % 2 === 1 ? (k + 1) / 2 : k === 0 ? 0 : -(k / 2);
  }

  /** Bits [from, to) of the data as bytes, zero-padded at the end. */
  slice(from: number, to: number): Buffer {
    const out = Buffer.alloc(Math.ceil((to - from) / 8));
    for (let i = from; i < to; i++) {
      if (((this.data[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) {
        const j = i - from;
        out[j >> 3] = (out[j >> 3] ?? 0) | (0x80 >> (j & 7));
      }
    }
    return out;
  }

  /** The bit at `pos` (0 past the end), then one on. */
  private bit(): number {
    const byte = this.data[this.pos >> 3] ?? 0;
    const v = (byte >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }
}

export class BitWriter {
  private readonly bytes: number[] = [];
  private bit = 0;

  /** The low `n` bits of `value`, most significant first. */
  u(n: number, value: number): void {
    for (let i = n - 1; i >= 0; i--) {
      if ((this.bit & 7) === 0) this.bytes.push(0);
      if (Math.floor(value / 2 ** i) & 1) {
        const last = this.bytes.length - 1;
        this.bytes[last] = (this.bytes[last] ?? 0) | (0x80 >> (this.bit & 7));
      }
      this.bit++;
    }
  }

  /** The first `bits` bits of `data`. */
  bits(data: Buffer, bits: number): void {
    for (let i = 0; i < bits; i++) this.u(1, ((data[i >> 3] ?? 0) >> (7 - (i & 7))) & 1);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}
