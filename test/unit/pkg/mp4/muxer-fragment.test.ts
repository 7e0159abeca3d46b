import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BoxWriter,
  MOOF_DECODE_TIME_OFFSET,
  MOOF_FIRST_DURATION_OFFSET,
  MOOF_SEQUENCE_OFFSET,
  Mp4Error,
  buildMdat,
  buildMoof,
  moofSize,
  retimeMoof,
  type Mp4ErrorCode,
} from '../../../../addon/src/pkg/mp4/index.js';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');
}

function throwsCode(fn: () => unknown, code: Mp4ErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof Mp4Error && e.code === code);
}

describe('buildMoof', () => {
  it('writes one sample with exact bytes (tfdt v1 across the 32-bit boundary, default-base-is-moof)', () => {
    const moof = buildMoof(7, 2, 0x1_0000_0005, [{ size: 0x1234, duration: 960, keyframe: true }]);
    const expected = hex(`
      00000064 6d6f6f66
        00000010 6d666864 00000000 00000007
        0000004c 74726166
          00000010 74666864 00020000 00000002
          00000014 74666474 01000000 00000001 00000005
          00000020 7472756e 00000701 00000001 0000006c 000003c0 00001234 02000000
    `);
    assert.deepEqual(moof, expected);
    assert.equal(moof.length, moofSize(1));
  });

  it('marks non-sync video samples as depending on others', () => {
    const moof = buildMoof(1, 1, 0, [{ size: 10, duration: 3600, keyframe: false }]);
    assert.equal(moof.readUInt32BE(96), 0x01010000);
  });

  it('writes several samples with the data offset past the moof and the mdat header', () => {
    const moof = buildMoof(1, 1, 90000, [
      { size: 100, duration: 3600, keyframe: true },
      { size: 50, duration: 3600, keyframe: false },
    ]);
    assert.equal(moof.length, moofSize(2));
    assert.equal(moof.readUInt32BE(84), moofSize(2) + 8); // data_offset
    assert.equal(moof.readUInt32BE(80), 2); // sample_count
    assert.deepEqual([moof.readUInt32BE(100), moof.readUInt32BE(104), moof.readUInt32BE(108)], [3600, 50, 0x01010000]);
  });

  it('refuses what does not fit its fields', () => {
    throwsCode(() => buildMoof(1, 1, 0, []), 'MP4_MUX_INPUT');
    throwsCode(() => buildMoof(1, 1, -1, [{ size: 1, duration: 1, keyframe: true }]), 'MP4_MUX_INPUT');
    throwsCode(() => buildMoof(1, 1, 0, [{ size: 1, duration: 0, keyframe: true }]), 'MP4_MUX_INPUT');
    throwsCode(() => buildMoof(2 ** 32, 1, 0, [{ size: 1, duration: 1, keyframe: true }]), 'MP4_MUX_INPUT');
    throwsCode(() => buildMoof(1, 1, 0, [{ size: 2 ** 32, duration: 1, keyframe: true }]), 'MP4_MUX_INPUT');
  });
});

describe('buildMdat', () => {
  it('is the header and the pieces in order', () => {
    assert.deepEqual(buildMdat([Buffer.from([1, 2]), Buffer.from([3])]), hex('0000000b 6d646174 010203'));
    assert.deepEqual(buildMdat([]), hex('00000008 6d646174'));
  });
});

describe('retimeMoof', () => {
  const moof = buildMoof(1, 1, 1000, [{ size: 5, duration: 3600, keyframe: true }]);

  it('changes only the sequence number, decode time and first duration, in a copy', () => {
    const copy = retimeMoof(moof, 42, 2 ** 40 + 3, 91);
    assert.notEqual(copy, moof);
    assert.equal(moof.readUInt32BE(MOOF_SEQUENCE_OFFSET), 1, 'shared moof untouched');
    assert.equal(copy.readUInt32BE(MOOF_SEQUENCE_OFFSET), 42);
    assert.equal(copy.readBigUInt64BE(MOOF_DECODE_TIME_OFFSET), 2n ** 40n + 3n);
    assert.equal(copy.readUInt32BE(MOOF_FIRST_DURATION_OFFSET), 91);
    const diff: number[] = [];
    for (let i = 0; i < moof.length; i++) if (moof[i] !== copy[i]) diff.push(i);
    const allowed = new Set<number>();
    for (const [offset, n] of [
      [MOOF_SEQUENCE_OFFSET, 4],
      [MOOF_DECODE_TIME_OFFSET, 8],
      [MOOF_FIRST_DURATION_OFFSET, 4],
    ] as const) {
      for (let i = 0; i < n; i++) allowed.add(offset + i);
    }
    assert.ok(
      diff.every((i) => allowed.has(i)),
      `changed bytes ${diff.join(',')}`,
    );
  });

  it('keeps the duration when none is given', () => {
    assert.equal(retimeMoof(moof, 2, 0).readUInt32BE(MOOF_FIRST_DURATION_OFFSET), 3600);
  });

  it('refuses buffers that are not its moofs and bad values', () => {
    throwsCode(() => retimeMoof(Buffer.alloc(100), 1, 0), 'MP4_MUX_INPUT');
    throwsCode(() => retimeMoof(moof, 1, -5), 'MP4_MUX_INPUT');
    throwsCode(() => retimeMoof(moof, 1, 0, 0), 'MP4_MUX_INPUT');
  });
});

describe('BoxWriter', () => {
  it('fills in nested sizes and grows past its initial size', () => {
    const w = new BoxWriter(4);
    w.start('abcd')
      .startFull('efgh', 1, 0x020304)
      .u64(2 ** 33)
      .end()
      .zeros(3)
      .end();
    assert.deepEqual(w.finish(), hex('0000001f 61626364 00000014 65666768 01020304 00000002 00000000 000000'));
  });

  it('reports misuse with MP4_MUX_INPUT', () => {
    throwsCode(() => new BoxWriter().start('toolong'), 'MP4_MUX_INPUT');
    throwsCode(() => new BoxWriter().end(), 'MP4_MUX_INPUT');
    throwsCode(() => new BoxWriter().start('open').finish(), 'MP4_MUX_INPUT');
    throwsCode(() => new BoxWriter().u64(-1), 'MP4_MUX_INPUT');
  });
});
