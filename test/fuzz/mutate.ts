/**
 * Deterministic input mutation for the fuzz tests: a seeded PRNG and the mutations that find
 * bugs in binary parsers (bit flips, truncation, interesting integers in length fields).
 * Same seed, same inputs: a failure names its iteration and reproduces exactly.
 */

/** mulberry32: tiny, fast, and good enough to spread mutations; not for cryptography. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

const INTERESTING_U8 = [0x00, 0x01, 0x03, 0x7f, 0x80, 0xfe, 0xff];
export const INTERESTING_U32 = [0, 1, 2, 3, 7, 8, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Flips 1 to 8 random bits of a copy. */
export function flipBits(rng: Prng, input: Buffer): Buffer {
  const out = Buffer.from(input);
  if (out.length === 0) return out;
  const n = 1 + rng.below(8);
  for (let i = 0; i < n; i++) {
    const at = rng.below(out.length);
    out[at] = (out[at] ?? 0) ^ (1 << rng.below(8));
  }
  return out;
}

/** Sets 1 to 4 random bytes of a copy to boundary values. */
export function setBytes(rng: Prng, input: Buffer): Buffer {
  const out = Buffer.from(input);
  if (out.length === 0) return out;
  const n = 1 + rng.below(4);
  for (let i = 0; i < n; i++) out[rng.below(out.length)] = rng.pick(INTERESTING_U8);
  return out;
}

/** Writes a boundary or random 32-bit value at `at` (or a random position) of a copy. */
export function setU32(rng: Prng, input: Buffer, at = rng.below(Math.max(1, input.length - 3))): Buffer {
  const out = Buffer.from(input);
  if (out.length < at + 4) return out;
  out.writeUInt32BE(rng.below(4) === 0 ? rng.u32() : rng.pick(INTERESTING_U32), at);
  return out;
}

/** A prefix of random length: a view, since parsers must not write to their input. */
export function truncate(rng: Prng, input: Buffer): Buffer {
  return input.subarray(0, rng.below(input.length + 1));
}

/** Removes or duplicates a random slice, shifting everything after it. */
export function splice(rng: Prng, input: Buffer): Buffer {
  const a = rng.below(input.length + 1);
  const b = Math.min(input.length, a + rng.below(64));
  return rng.below(2) === 0
    ? Buffer.concat([input.subarray(0, a), input.subarray(b)])
    : Buffer.concat([input.subarray(0, b), input.subarray(a, b), input.subarray(b)]);
}

/** One random mutation of `seed` (bit flips twice as likely), or fresh random bytes: the mix most fuzz files use. */
export function mutateSeed(rng: Prng, seed: Buffer): Buffer {
  switch (rng.below(7)) {
    case 0:
    case 1:
      return flipBits(rng, seed);
    case 2:
      return setBytes(rng, seed);
    case 3:
      return truncate(rng, seed);
    case 4:
      return setU32(rng, seed);
    case 5:
      return splice(rng, seed);
    default:
      return rng.bytes(rng.below(64));
  }
}

/**
 * A single call longer than this is a hang (a loop that does not advance, work that explodes on a small
 * input), not load. Fuzz tests count inputs and check what each one threw; they do not assert speed, which a
 * busy 2-core CI machine cannot promise (a GC pause or a neighbour's burst is 100+ ms there).
 */
export const HANG_MS = 2000;

/** Runs `fn` and returns how long it took in ms, and what it threw (undefined when nothing). */
export function timed(fn: () => void): { ms: number; error: unknown } {
  const t0 = performance.now();
  try {
    fn();
    return { ms: performance.now() - t0, error: undefined };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}
