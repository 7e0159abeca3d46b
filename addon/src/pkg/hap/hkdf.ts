import { hkdfSync } from 'node:crypto';

/**
 * HKDF (RFC 5869) as HAP uses it: SHA-512, text salt and info, 32-byte keys by default. `hash` is there so
 * the RFC's own SHA-256 vectors can test the construction.
 */
export function hkdf(
  ikm: Buffer,
  salt: string | Buffer,
  info: string | Buffer,
  length = 32,
  hash: 'sha512' | 'sha256' = 'sha512',
): Buffer {
  return Buffer.from(hkdfSync(hash, ikm, toBytes(salt), toBytes(info), length));
}

function toBytes(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}
