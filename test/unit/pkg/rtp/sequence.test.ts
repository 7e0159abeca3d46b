import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SequenceTracker,
  SequenceUnwrapper,
  TimestampUnwrapper,
  seqDiff,
  timestampDiff,
} from '../../../../addon/src/pkg/rtp/index.js';

describe('sequence and timestamp arithmetic', () => {
  it('seqDiff and timestampDiff take the short way round', () => {
    assert.equal(seqDiff(65535, 0), 1);
    assert.equal(seqDiff(0, 65535), -1);
    assert.equal(seqDiff(100, 100), 0);
    assert.equal(seqDiff(0, 32767), 32767);
    assert.equal(seqDiff(0, 32768), -32768);
    assert.equal(timestampDiff(0xfffffff0, 0x10), 0x20);
    assert.equal(timestampDiff(0x10, 0xfffffff0), -0x20);
  });

  it('TimestampUnwrapper grows across the 2^32 wrap and steps back for reordered values', () => {
    const u = new TimestampUnwrapper();
    const ticks = [0xffffff00, 0xffffff80, 0x00000010, 0xfffffff0, 0x00001000, 0x70000000, 0xe0000000, 0x00002000];
    assert.deepEqual(
      ticks.map((t) => u.unwrap(t)),
      [
        0xffffff00,
        0xffffff80,
        2 ** 32 + 0x10,
        0xfffffff0,
        2 ** 32 + 0x1000,
        2 ** 32 + 0x70000000,
        2 ** 32 + 0xe0000000,
        2 ** 33 + 0x2000,
      ],
    );
    u.reset();
    assert.equal(u.unwrap(5), 5);
  });

  it('SequenceUnwrapper gives extended sequence numbers', () => {
    const u = new SequenceUnwrapper();
    assert.deepEqual(
      [65534, 65535, 0, 1, 65535, 2].map((s) => u.unwrap(s)),
      [65534, 65535, 65536, 65537, 65535, 65538],
    );
  });

  it('SequenceTracker tells next, gap (with the count lost) and old', () => {
    const t = new SequenceTracker();
    assert.deepEqual(
      [65534, 65535, 0, 3, 2, 3, 4].map((s) => t.check(s)),
      ['first', 'next', 'next', 'gap', 'old', 'old', 'next'],
    );
    assert.equal(t.lost, 2);
  });
});
