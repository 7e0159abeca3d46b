/** Writes exp-Golomb bit strings, to build parameter sets no encoder at hand produces. */
export class BitWriter {
  private readonly bits: number[] = [];

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  ue(value: number): this {
    const code = value + 1;
    const len = Math.floor(Math.log2(code));
    return this.u(len, 0).u(len + 1, code);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** rbsp_trailing_bits, then the bytes. */
  rbsp(): Buffer {
    this.bits.push(1);
    while (this.bits.length % 8 !== 0) this.bits.push(0);
    const out = Buffer.alloc(this.bits.length / 8);
    this.bits.forEach((b, i) => {
      if (b) out[i >> 3] = (out[i >> 3] ?? 0) | (0x80 >> (i & 7));
    });
    return out;
  }
}

/** Inserts emulation prevention bytes: 00 00 0x (x <= 3) becomes 00 00 03 0x. */
export function escape(rbsp: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}
