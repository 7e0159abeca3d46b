import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { counterNonce, labelNonce, open, seal } from '../../../../addon/src/pkg/hap/chacha.js';
import { hkdf } from '../../../../addon/src/pkg/hap/index.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../../../../addon/src/pkg/hap/keys.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('pkg/hap HKDF', () => {
  it('RFC 5869 test case 1 (SHA-256): the construction', () => {
    const okm = hkdf(
      Buffer.alloc(22, 0x0b),
      hex('000102030405060708090a0b0c'),
      hex('f0f1f2f3f4f5f6f7f8f9'),
      42,
      'sha256',
    );
    assert.deepEqual(okm, hex('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'));
  });

  it('SHA-512 with HAP text salts and infos (vectors from Python cryptography’s HKDF)', () => {
    const ikm = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    assert.deepEqual(
      hkdf(ikm, 'Control-Salt', 'Control-Read-Encryption-Key'),
      hex('c09403ef8aa6c5045cbd8cf9bf3e665b2caed623af2be0e87c8f80f519914d3d'),
    );
    assert.deepEqual(
      hkdf(Buffer.alloc(22, 0x0b), 'Pair-Setup-Encrypt-Salt', 'Pair-Setup-Encrypt-Info', 64),
      hex(
        'af57b1adbdc91b8db159d11d654af3e0573a7120d682b48506f9d04696ea522fbdcab134996a3eb6461a1b0b071f08898d316a0592e3e7b84f15c4f7a21c2e35',
      ),
    );
  });
});

describe('pkg/hap ChaCha20-Poly1305', () => {
  const key = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
  const nonce = hex('070000004041424344454647');
  const aad = hex('50515253c0c1c2c3c4c5c6c7');
  const plaintext = Buffer.from(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const sealed = hex(
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691',
  );

  it('RFC 8439 §2.8.2 AEAD vector', () => {
    assert.deepEqual(seal(key, nonce, plaintext, aad), sealed);
    assert.deepEqual(open(key, nonce, sealed, aad), plaintext);
  });

  it('a flipped bit or a short input fails to open (undefined, no throw)', () => {
    const bad = Buffer.from(sealed);
    bad[3]! ^= 1;
    assert.equal(open(key, nonce, bad, aad), undefined);
    assert.equal(open(key, nonce, sealed.subarray(0, 15), aad), undefined);
  });

  it('HAP nonces: 4 zero bytes, then an ASCII label or a little-endian counter', () => {
    assert.deepEqual(labelNonce('PS-Msg05'), hex('00000000 50532d4d73673035'));
    assert.deepEqual(counterNonce(258n), hex('00000000 0201000000000000'));
    // Python cryptography, key 0x01 * 32, nonce "PS-Msg05", plaintext 01 02.
    assert.deepEqual(
      seal(Buffer.alloc(32, 1), labelNonce('PS-Msg05'), hex('0102')),
      hex('39db02bb039f4e96e7a7d168a5d8d2827a53'),
    );
  });
});

describe('pkg/hap Ed25519', () => {
  it('RFC 8032 test 1: public key from the seed, signature of the empty message', () => {
    const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const publicKey = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const signature = hex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    assert.deepEqual(ed25519PublicKey(seed), publicKey);
    assert.deepEqual(ed25519Sign({ seed, publicKey }, Buffer.alloc(0)), signature);
    assert.equal(ed25519Verify(publicKey, Buffer.alloc(0), signature), true);
    assert.equal(ed25519Verify(publicKey, Buffer.from('x'), signature), false);
    assert.equal(ed25519Verify(Buffer.alloc(31), Buffer.alloc(0), signature), false);
  });
});
