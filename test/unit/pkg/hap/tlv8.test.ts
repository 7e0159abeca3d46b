import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeTlv,
  encodeTlv,
  HapError,
  readUintLE,
  tlvGet,
  tlvGetAll,
  tlvRequire,
  uintLE,
} from '../../../../addon/src/pkg/hap/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('pkg/hap TLV8', () => {
  it('encodes the pair-setup M1 exactly (state 1, method 0)', () => {
    assert.deepEqual(
      encodeTlv([
        [6, 1],
        [0, 0],
      ]),
      hex('06 01 01 00 01 00'),
    );
  });

  it('splits values over 255 bytes into fragments of one type and joins them back', () => {
    const value = Buffer.alloc(300, 0xab);
    const bytes = encodeTlv([
      [3, value],
      [6, 2],
    ]);
    assert.equal(bytes.length, 2 + 255 + 2 + 45 + 3);
    assert.deepEqual(bytes.subarray(0, 2), hex('03 ff'));
    assert.deepEqual(bytes.subarray(257, 259), hex('03 2d'));
    const items = decodeTlv(bytes);
    assert.equal(items.length, 2);
    assert.deepEqual(items[0], { type: 3, value });
    assert.deepEqual(items[1], { type: 6, value: hex('02') });
  });

  it('a value of exactly 255 bytes followed by another item of its type is one value (the spec rule)', () => {
    const bytes = Buffer.concat([hex('01 ff'), Buffer.alloc(255, 1), hex('01 01 02')]);
    assert.deepEqual(
      decodeTlv(bytes).map((i) => i.value.length),
      [256],
    );
  });

  it('keeps short items of one type apart, and separators as items (lists)', () => {
    // HAP-NodeJS writes lists with type-0 separators; Apple uses 0xff: both are plain items here.
    const items = decodeTlv(hex('01 01 00 00 00 01 01 01 ff 00 01 01 02'));
    assert.deepEqual(
      items.map((i) => i.type),
      [1, 0, 1, 0xff, 1],
    );
    assert.deepEqual(tlvGetAll(items, 1), [hex('00'), hex('01'), hex('02')]);
    assert.deepEqual(tlvGet(items, 1), hex('00'));
  });

  it('encodes empty values, strings and numbers', () => {
    assert.deepEqual(
      encodeTlv([
        [0xff, Buffer.alloc(0)],
        [1, 'AB'],
        [7, 6],
      ]),
      hex('ff 00 01 02 41 42 07 01 06'),
    );
  });

  it('throws HAP_TLV_INVALID for an item cut short', () => {
    for (const input of [hex('06'), hex('06 02 01'), hex('06 01 01 03 05 00')]) {
      assert.throws(
        () => decodeTlv(input),
        (err: unknown) => err instanceof HapError && err.code === 'HAP_TLV_INVALID',
      );
    }
  });

  it('tlvRequire names the missing field', () => {
    assert.throws(() => tlvRequire(decodeTlv(hex('06 01 02')), 2, 'salt'), /salt \(type 2\) missing/);
  });

  it('little-endian integer fields', () => {
    assert.deepEqual(uintLE(50000, 2), hex('50 c3'));
    assert.deepEqual(uintLE(0x01020304, 4), hex('04 03 02 01'));
    assert.equal(readUintLE(hex('52 c3'), 'port'), 50002);
    assert.throws(() => readUintLE(hex('01 02 03'), 'x'), /3 bytes is not an integer field/);
    assert.throws(() => uintLE(256, 1), /does not fit/);
  });
});
