import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';

/**
 * werift's DTLS does its X25519 key exchange (the curve Chrome, Firefox and werift pick) with tweetnacl, in
 * JavaScript: a key pair and a shared secret per handshake, ~1.6 ms warm and 40-70 ms the first time (cold
 * code, as on a server's first viewer, or after V8 flushed the unused bytecode). Node's crypto does both
 * natively in ~0.1 ms. werift imports tweetnacl as a package (not bundled), so the two functions it calls,
 * `box.keyPair` and `scalarMult`, are replaced on that module object, once, after a known-answer check. P-256 (@noble/curves, frozen objects) stays as werift has it.
 */

/** RFC 8410 DER prefixes: an X25519 public key (SubjectPublicKeyInfo) and private key (PKCS #8), raw key last. */
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const KEY_SIZE = 32;

interface NaclKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

interface Tweetnacl {
  box: { keyPair: () => NaclKeyPair };
  scalarMult: ((n: Uint8Array, p: Uint8Array) => Uint8Array) & { base: (n: Uint8Array) => Uint8Array };
}

/** A copy with its own ArrayBuffer: werift reads `keys.secretKey.buffer` whole. */
function own(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(KEY_SIZE);
  out.set(bytes.subarray(bytes.length - KEY_SIZE));
  return out;
}

function privateKeyOf(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyOf(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function nativeKeyPair(): NaclKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: own(publicKey.export({ format: 'der', type: 'spki' })),
    secretKey: own(privateKey.export({ format: 'der', type: 'pkcs8' })),
  };
}

/** X25519(n, p) as tweetnacl's `scalarMult`; throws where OpenSSL refuses (a low-order point: all-zero result). */
export function nativeScalarMult(n: Uint8Array, p: Uint8Array): Uint8Array {
  if (n.length !== KEY_SIZE || p.length !== KEY_SIZE) throw new Error('bad key size');
  return own(diffieHellman({ privateKey: privateKeyOf(n), publicKey: publicKeyOf(p) }));
}

/** RFC 7748 section 6.1: Alice's private key, Bob's public key, their shared secret; and the base point 9. */
const RFC7748_ALICE_PRIVATE = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
const RFC7748_BOB_PUBLIC = Buffer.from('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f', 'hex');
const RFC7748_SHARED = Buffer.from('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742', 'hex');
const BASE_POINT = Buffer.alloc(KEY_SIZE);
BASE_POINT[0] = 9;

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

let installed: { ok: boolean; reason?: string } | undefined;

/** Replaces tweetnacl's X25519 functions as werift resolves the package; returns whether it is in use. */
export function installNativeX25519(): { ok: boolean; reason?: string } {
  if (installed) return installed;
  try {
    const nacl = createRequire(import.meta.resolve('werift'))('tweetnacl') as Tweetnacl;
    const originalScalarMult = nacl.scalarMult;
    if (typeof nacl.box.keyPair !== 'function' || typeof originalScalarMult !== 'function')
      throw new Error('tweetnacl has no box.keyPair or scalarMult');
    // Checked against RFC 7748's vector and a fresh pair, not against tweetnacl: its first cold calls take
    // 40-70 ms, the time this saves.
    if (!equal(nativeScalarMult(RFC7748_ALICE_PRIVATE, RFC7748_BOB_PUBLIC), RFC7748_SHARED))
      throw new Error("native X25519 does not give RFC 7748's shared secret");
    const ours = nativeKeyPair();
    if (!equal(nativeScalarMult(ours.secretKey, BASE_POINT), ours.publicKey))
      throw new Error('a native X25519 key pair does not match its own public key');
    nacl.box.keyPair = nativeKeyPair;
    // A peer's low-order point: OpenSSL refuses, tweetnacl gives zeros (and the handshake fails on them).
    const scalarMult = (n: Uint8Array, p: Uint8Array): Uint8Array => {
      try {
        return nativeScalarMult(n, p);
      } catch {
        return originalScalarMult(n, p);
      }
    };
    nacl.scalarMult = Object.assign(scalarMult, originalScalarMult);
    installed = { ok: true };
  } catch (err) {
    installed = { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  return installed;
}
