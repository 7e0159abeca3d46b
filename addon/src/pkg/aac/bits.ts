import { AacError } from './errors.js';

/** MSB-first bit reader; reading past the end throws AAC_TRUNCATED. */
export class AacBitReader {
  pos = 0;

  constructor(
    private readonly data: Buffer,
    private readonly what: string,
  ) {}

  get bitsLeft(): number {
    return this.data.length * 8 - this.pos;
  }

  /** Up to 32 bits, unsigned. */
  u(n: number, field: string): number {
    if (n > this.bitsLeft) throw new AacError('AAC_TRUNCATED', `${this.what} ends inside ${field}`);
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.data[this.pos >> 3] ?? 0;
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }

  /** Like `u`, but bits past the end read as zeros (for trailing fields writers leave out). */
  uOrZero(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.data[this.pos >> 3] ?? 0;
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
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
}

/** MSB-first bit writer. */
export class AacBitWriter {
  private readonly bytes: number[] = [];
  private bit = 0;

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
