import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameOpener, FrameSealer, HapError, MAX_FRAME_PLAINTEXT } from '../../../../addon/src/pkg/hap/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const key = Buffer.alloc(32, 1);
const request = Buffer.from('GET /accessories HTTP/1.1\r\nHost: 127.0.0.1:51826\r\n\r\n');
/** Frames 0 and 1 under key 0x01 * 32, computed with Python cryptography's ChaCha20Poly1305. */
const FRAME0 = hex(
  '3400466219f1c13375a161881ae2dccd3e21c9c33b5b8d2b5ce20b8bb14ff145841e344f79b0736987df6d1ab4708172aaf2bc97c5cd367f2f513e148a2279057f28db53b815',
);
const FRAME1 = hex('0100358d83ad504b262db81ead9bf4cd05db43');

const isFrameError = (err: unknown): boolean => err instanceof HapError && err.code === 'HAP_FRAME_INVALID';

describe('pkg/hap session frames', () => {
  it('seals: 2-byte little-endian length (the AAD), ciphertext, tag; the counter is the nonce', () => {
    const sealer = new FrameSealer(key);
    assert.deepEqual(sealer.seal(request), FRAME0);
    assert.deepEqual(sealer.seal(Buffer.from('x')), FRAME1);
  });

  it('splits plaintext into frames of at most 1024 bytes', () => {
    const bytes = new FrameSealer(key).seal(Buffer.alloc(2500, 7));
    assert.equal(bytes.readUInt16LE(0), 1024);
    assert.equal(bytes.readUInt16LE(2 + 1024 + 16), 1024);
    assert.equal(bytes.readUInt16LE(2 * (2 + 1024 + 16)), 452);
    assert.equal(bytes.length, 3 * 18 + 2500);
    assert.deepEqual(Buffer.concat(new FrameOpener(key).push(bytes)), Buffer.alloc(2500, 7));
  });

  it('opens frames split at every byte boundary', () => {
    const stream = Buffer.concat([FRAME0, FRAME1]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const opener = new FrameOpener(key);
      const out = [...opener.push(stream.subarray(0, cut)), ...opener.push(stream.subarray(cut))];
      assert.deepEqual(out, [request, Buffer.from('x')], `cut at ${cut}`);
      assert.equal(opener.buffered, 0);
    }
  });

  it('a tampered frame, a frame out of order or a wrong key is HAP_FRAME_INVALID, and the opener stays failed', () => {
    const tampered = Buffer.from(FRAME0);
    tampered[10]! ^= 0x40;
    const opener = new FrameOpener(key);
    assert.throws(() => opener.push(tampered), isFrameError);
    assert.throws(() => opener.push(FRAME0), isFrameError);
    assert.throws(() => new FrameOpener(key).push(FRAME1), isFrameError); // counter 1 where 0 is expected
    assert.throws(() => new FrameOpener(Buffer.alloc(32, 2)).push(FRAME0), isFrameError);
  });

  it('a declared length over 1024 fails at once, without waiting for the bytes', () => {
    assert.throws(
      () => new FrameOpener(key).push(hex('0104')),
      (err: unknown) => isFrameError(err) && /1025 bytes/.test(String(err)),
    );
    assert.equal(MAX_FRAME_PLAINTEXT, 1024);
  });
});
