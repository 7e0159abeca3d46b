import { counterNonce, open, seal, TAG_LENGTH } from './chacha.js';
import { HapError } from './errors.js';

/** HAP limits a session frame to 1024 plaintext bytes (HAP spec §6.5.2). */
export const MAX_FRAME_PLAINTEXT = 1024;
const LENGTH_BYTES = 2;

/**
 * The sending half of a HAP session: plaintext → frames of `length (2 bytes LE, also the AAD) · ciphertext ·
 * tag`, the nonce being the frame counter. Pure apart from its counter.
 */
export class FrameSealer {
  private counter = 0n;

  constructor(private readonly key: Buffer) {}

  seal(plaintext: Buffer): Buffer {
    const out: Buffer[] = [];
    for (let at = 0; at < plaintext.length || (at === 0 && plaintext.length === 0); at += MAX_FRAME_PLAINTEXT) {
      const chunk = plaintext.subarray(at, at + MAX_FRAME_PLAINTEXT);
      const aad = Buffer.alloc(LENGTH_BYTES);
      aad.writeUInt16LE(chunk.length, 0);
      out.push(aad, seal(this.key, counterNonce(this.counter++), chunk, aad));
      if (plaintext.length === 0) break;
    }
    return Buffer.concat(out);
  }
}

/**
 * The receiving half: bytes as they arrive (any split) → the plaintext of every complete frame. A frame
 * longer than 1024 bytes or with a bad tag throws HAP_FRAME_INVALID, and the opener stays failed (a session
 * stream cannot resynchronise). No I/O: the connection feeds it.
 */
export class FrameOpener {
  private counter = 0n;
  private pending: Buffer = Buffer.alloc(0);
  private failed: HapError | undefined;

  constructor(private readonly key: Buffer) {}

  /** Bytes waiting for the rest of their frame. */
  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    while (this.pending.length >= LENGTH_BYTES) {
      const length = this.pending.readUInt16LE(0);
      if (length > MAX_FRAME_PLAINTEXT) throw this.fail(`frame declares ${length} bytes (max ${MAX_FRAME_PLAINTEXT})`);
      const total = LENGTH_BYTES + length + TAG_LENGTH;
      if (this.pending.length < total) break;
      const aad = this.pending.subarray(0, LENGTH_BYTES);
      const plain = open(this.key, counterNonce(this.counter), this.pending.subarray(LENGTH_BYTES, total), aad);
      if (plain === undefined) throw this.fail(`frame ${this.counter} failed authentication`);
      this.counter++;
      out.push(plain);
      this.pending = this.pending.subarray(total);
    }
    // Keep a copy of the rest so the caller may reuse its chunk.
    if (this.pending.length > 0) this.pending = Buffer.from(this.pending);
    return out;
  }

  private fail(message: string): HapError {
    this.failed = new HapError('HAP_FRAME_INVALID', message);
    this.pending = Buffer.alloc(0);
    return this.failed;
  }
}
