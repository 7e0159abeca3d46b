import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BitReader, H264Error, removeEmulationPrevention } from '../../../../addon/src/pkg/h264/index.js';
import { BitWriter, escape } from './bit-writer.js';

describe('removeEmulationPrevention', () => {
  it('returns the same buffer when there is nothing to remove', () => {
    const b = Buffer.from([0x67, 0, 0, 1, 0, 0, 2, 3]);
    assert.equal(removeEmulationPrevention(b), b);
  });

  it('drops the 03 of each 00 00 03, and only that one', () => {
    const cases: [number[], number[]][] = [
      [
        [0, 0, 3, 1],
        [0, 0, 1],
      ],
      [
        [0, 0, 3, 0, 0, 3],
        [0, 0, 0, 0],
      ],
      [
        [0, 0, 3, 3],
        [0, 0, 3],
      ],
      [
        [5, 0, 0, 3, 0, 0, 0, 3],
        [5, 0, 0, 0, 0, 0],
      ],
      [
        [0, 0, 3],
        [0, 0],
      ],
      [
        [0, 3, 0, 0, 3, 2],
        [0, 3, 0, 0, 2],
      ],
    ];
    for (const [input, expected] of cases) {
      assert.deepEqual([...removeEmulationPrevention(Buffer.from(input))], expected, input.join(' '));
    }
  });

  it('undoes what an encoder-side escape adds', () => {
    const raw = Buffer.from([0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0xff, 0, 0]);
    assert.deepEqual(removeEmulationPrevention(escape(raw)), raw);
  });
});

describe('BitReader', () => {
  it('reads fixed fields MSB first, ue and se codes', () => {
    const data = new BitWriter().u(3, 5).ue(0).ue(1).ue(2).ue(7).ue(255).se(1).se(-1).se(-64).u(1, 1).rbsp();
    const r = new BitReader(data, 'test');
    assert.deepEqual(
      [r.u(3, 'a'), r.ue('b'), r.ue('c'), r.ue('d'), r.ue('e'), r.ue('f'), r.se('g'), r.se('h'), r.se('i'), r.u1('j')],
      [5, 0, 1, 2, 7, 255, 1, -1, -64, 1],
    );
  });

  it('reads the largest 32-bit ue and rejects longer codes', () => {
    const max = new BitReader(new BitWriter().ue(2 ** 32 - 2).rbsp(), 'test');
    assert.equal(max.ue('x'), 2 ** 32 - 2);
    const tooLong = new BitReader(Buffer.from([0, 0, 0, 0, 0xff]), 'test');
    assert.throws(
      () => tooLong.ue('x'),
      (e: unknown) => e instanceof H264Error && e.code === 'H264_BAD_SPS',
    );
  });

  it('reading past the end is H264_TRUNCATED', () => {
    const r = new BitReader(Buffer.from([0x00]), 'test');
    assert.throws(
      () => r.ue('x'),
      (e: unknown) => e instanceof H264Error && e.code === 'H264_TRUNCATED',
    );
    assert.throws(() => new BitReader(Buffer.alloc(1), 't').u(9, 'x'), { code: 'H264_TRUNCATED' });
    assert.throws(() => new BitReader(Buffer.alloc(1), 't').skip(9, 'x'), { code: 'H264_TRUNCATED' });
  });
});
