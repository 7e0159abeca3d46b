import { createCipheriv, createDecipheriv } from 'node:crypto';
import { HapError } from './errors.js';

export const TAG_LENGTH = 16;

/**
 * HAP's nonces are 12 bytes: 4 zero bytes, then 8 bytes. Pairing messages use ASCII labels ("PS-Msg05"); the
 * session uses a little-endian frame counter.
 */
export function labelNonce(label: string): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.write(label, 4, 'latin1');
  return nonce;
}

export function counterNonce(counter: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(counter, 4);
  return nonce;
}

/** ChaCha20-Poly1305 (RFC 8439): ciphertext followed by the 16-byte tag. */
export function seal(key: Buffer, nonce: Buffer, plaintext: Buffer, aad?: Buffer): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LENGTH });
  if (aad) cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** Opens `sealed` (ciphertext + tag); returns undefined when the tag does not verify. */
export function open(key: Buffer, nonce: Buffer, sealed: Buffer, aad?: Buffer): Buffer | undefined {
  if (sealed.length < TAG_LENGTH) return undefined;
  const body = sealed.subarray(0, sealed.length - TAG_LENGTH);
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_LENGTH });
  if (aad) decipher.setAAD(aad, { plaintextLength: body.length });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  const plain = decipher.update(body);
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return plain;
}

/** Like `open`, but a bad tag is HAP_FRAME_INVALID / the given code. */
export function openOrThrow(
  key: Buffer,
  nonce: Buffer,
  sealed: Buffer,
  what: string,
  code: 'HAP_FRAME_INVALID' | 'HAP_PAIR_FAILED' | 'HAP_VERIFY_FAILED' = 'HAP_FRAME_INVALID',
): Buffer {
  const plain = open(key, nonce, sealed);
  if (plain === undefined) throw new HapError(code, `${what}: authentication failed`);
  return plain;
}
