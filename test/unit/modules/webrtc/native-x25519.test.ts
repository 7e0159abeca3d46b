import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import {
  installNativeX25519,
  nativeKeyPair,
  nativeScalarMult,
} from '../../../../addon/src/modules/webrtc/native-x25519.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 7748 section 6.1: Alice's and Bob's keys and their shared secret.
const ALICE_PRIVATE = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUBLIC = hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
const BOB_PRIVATE = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
const BOB_PUBLIC = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

interface Nacl {
  box: { keyPair: () => { publicKey: Uint8Array; secretKey: Uint8Array } };
  scalarMult: ((n: Uint8Array, p: Uint8Array) => Uint8Array) & { base: (n: Uint8Array) => Uint8Array };
}

describe('native X25519 for werift DTLS (tweetnacl replaced)', () => {
  it('gives RFC 7748 shared secret both ways', () => {
    assert.equal(toHex(nativeScalarMult(ALICE_PRIVATE, BOB_PUBLIC)), SHARED);
    assert.equal(toHex(nativeScalarMult(BOB_PRIVATE, ALICE_PUBLIC)), SHARED);
  });

  it('key pairs are 32-byte arrays of their own (werift reads secretKey.buffer)', () => {
    const keys = nativeKeyPair();
    assert.equal(keys.secretKey.buffer.byteLength, 32);
    assert.equal(keys.publicKey.buffer.byteLength, 32);
  });

  it('replaces the tweetnacl werift imports, which still agrees with RFC 7748 and gives zeros for a low-order point', () => {
    const nacl = createRequire(import.meta.resolve('werift'))('tweetnacl') as Nacl;
    const tweetnaclKeyPair = nacl.box.keyPair;
    assert.deepEqual(installNativeX25519(), { ok: true });
    assert.notEqual(nacl.box.keyPair, tweetnaclKeyPair, 'box.keyPair replaced');
    assert.equal(toHex(nacl.scalarMult(ALICE_PRIVATE, BOB_PUBLIC)), SHARED);
    assert.equal(toHex(nacl.scalarMult.base(ALICE_PRIVATE)), toHex(ALICE_PUBLIC), 'scalarMult.base kept');
    const keys = nacl.box.keyPair();
    assert.equal(toHex(nacl.scalarMult.base(keys.secretKey)), toHex(keys.publicKey));
    // The all-zero point has order 1: OpenSSL refuses it, tweetnacl answers zeros, as werift got before.
    assert.equal(toHex(nacl.scalarMult(ALICE_PRIVATE, new Uint8Array(32))), '00'.repeat(32));
  });

  it('werift (the pinned bundle) still takes both functions from the tweetnacl package at call time', () => {
    const bundle = readFileSync(fileURLToPath(import.meta.resolve('werift')), 'utf8');
    const imports = [...bundle.matchAll(/^import (\w+) from "tweetnacl";$/gm)].map((m) => m[1]);
    assert.ok(imports.length > 0, 'werift imports tweetnacl');
    const calls = (name: string): string[] =>
      imports.filter((id) => id !== undefined && bundle.includes(`${id}.${name}(`)).map((id) => `${id}.${name}`);
    assert.ok(calls('box.keyPair').length > 0, 'DTLS key pairs come from tweetnacl box.keyPair');
    assert.ok(calls('scalarMult').length > 0, 'DTLS shared secrets come from tweetnacl scalarMult');
  });
});
