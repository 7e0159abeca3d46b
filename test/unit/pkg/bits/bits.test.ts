import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BitReader, BitWriter, type BitErrors } from '../../../../addon/src/pkg/bits/index.js';

class Short extends Error {}
const errors: BitErrors = {
  truncated: (field) => new Short(`short in ${field}`),
  invalid: (field, reason) => new Error(`${field} ${reason}`),
};

describe('pkg/bits', () => {
  it('reads MSB first, Exp-Golomb as H.264 9.1 tabulates it, and reports a short read through the codec', () => {
    // 1 | 010 | 011 | 00100 | 00101 | 0 (pad): ue 0, 1, 2, 3, 4 → se 0, 1, -1, 2, -2.
    const bits = '1' + '010' + '011' + '00100' + '00101';
    const bytes = Buffer.from(
      bits
        .padEnd(Math.ceil(bits.length / 8) * 8, '0')
        .match(/.{8}/g)!
        .map((b) => parseInt(b, 2)),
    );
    const ue = new BitReader(bytes, errors);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map(() => ue.ue('x')),
      [0, 1, 2, 3, 4],
    );
    const se = new BitReader(bytes, errors);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map(() => se.se('x')),
      [0, 1, -1, 2, -2],
    );
    const r = new BitReader(Buffer.from([0xa5]), errors);
    assert.equal(r.u(3, 'a'), 0b101);
    assert.equal(r.bitsLeft, 5);
    assert.throws(() => r.u(6, 'b'), Short);
    assert.equal(r.uOrZero(8), 0b00101000, 'bits past the end read as zeros');
    assert.throws(() => new BitReader(Buffer.alloc(8), errors).ue('long'), /more than 31 leading zeros/);
  });

  it('writes what it reads back, and slices bits into bytes', () => {
    const w = new BitWriter();
    w.u(5, 0b10110);
    w.u(11, 1234);
    w.bits(Buffer.from([0xf0]), 3);
    const out = w.toBuffer();
    const r = new BitReader(out, errors);
    assert.deepEqual([r.u(5, 'a'), r.u(11, 'b'), r.u(3, 'c')], [0b10110, 1234, 0b111]);
    assert.deepEqual(new BitReader(Buffer.from([0b00111100, 0xff]), errors).slice(2, 10), Buffer.from([0xf3]));
  });
});
