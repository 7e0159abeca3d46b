import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { HapError } from './errors.js';

/** An Ed25519 long-term key pair as HAP stores it: 32-byte seed (LTSK) and 32-byte public key (LTPK). */
export interface Ed25519Pair {
  readonly seed: Buffer;
  readonly publicKey: Buffer;
}

const b64u = (b: Buffer): string => b.toString('base64url');

export function generateEd25519(): Ed25519Pair {
  const seed = randomBytes(32);
  return { seed, publicKey: ed25519PublicKey(seed) };
}

export function ed25519PublicKey(seed: Buffer): Buffer {
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64u(seed), x: '' }, format: 'jwk' });
  return Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x ?? '', 'base64url');
}

function ed25519Private(pair: Ed25519Pair): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64u(pair.seed), x: b64u(pair.publicKey) },
    format: 'jwk',
  });
}

export function ed25519Sign(pair: Ed25519Pair, message: Buffer): Buffer {
  return sign(null, message, ed25519Private(pair));
}

/** False for a bad signature or a public key that is not a valid point. */
export function ed25519Verify(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(publicKey) }, format: 'jwk' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** An ephemeral X25519 pair for pair-verify. */
export interface X25519Pair {
  readonly privateKey: KeyObject;
  readonly publicKey: Buffer;
}

export function generateX25519(): X25519Pair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url') };
}

export function x25519Shared(own: X25519Pair, peerPublic: Buffer): Buffer {
  if (peerPublic.length !== 32)
    throw new HapError('HAP_VERIFY_FAILED', `accessory's X25519 key has ${peerPublic.length} bytes`);
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(peerPublic) }, format: 'jwk' });
    return diffieHellman({ privateKey: own.privateKey, publicKey });
  } catch (err) {
    throw new HapError('HAP_VERIFY_FAILED', `X25519 with the accessory's key failed`, { cause: err });
  }
}
