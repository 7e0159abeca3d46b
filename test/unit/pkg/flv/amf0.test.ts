import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeAmf0,
  encodeAmf0,
  encodeAmf0EcmaArray,
  FlvError,
  MAX_AMF_DEPTH,
} from '../../../../addon/src/pkg/flv/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('AMF0', () => {
  it('encodes the values of a connect command byte for byte', () => {
    assert.deepEqual(encodeAmf0('connect'), hex('02 0007 636f6e6e656374'));
    assert.deepEqual(encodeAmf0(1), hex('00 3ff0000000000000'));
    assert.deepEqual(encodeAmf0(true, false), hex('01 01 01 00'));
    assert.deepEqual(encodeAmf0(null, undefined), hex('05 06'));
    assert.deepEqual(encodeAmf0({ app: 'live' }), hex('03 0003 617070 02 0004 6c697665 0000 09'));
    assert.deepEqual(encodeAmf0(['a']), hex('0a 00000001 02 0001 61'));
    assert.deepEqual(encodeAmf0EcmaArray({ w: 2 }), hex('08 00000001 0001 77 00 4000000000000000 0000 09'));
  });

  it('decodes what it encodes, several values back to back', () => {
    const values = ['play', 0, null, 'cam?x=1', -2, { nested: { deep: [1, 'two', true] }, d: new Date(1000) }];
    assert.deepEqual(decodeAmf0(encodeAmf0(...values)), values);
  });

  it('reads ECMA arrays, typed objects, long strings and an object the data ends without its end marker', () => {
    assert.deepEqual(decodeAmf0(hex('08 00000063 0001 61 00 3ff0000000000000 0000 09')), [{ a: 1 }]);
    assert.deepEqual(decodeAmf0(hex('10 0001 43 0001 61 05 0000 09')), [{ a: null }]);
    assert.deepEqual(decodeAmf0(hex('0c 00000002 6869')), ['hi']);
    assert.deepEqual(decodeAmf0(hex('03 0001 61 01 01 0000')), [{ a: true }]);
  });

  it('keeps a "__proto__" key as data, never as the prototype', () => {
    // { "__proto__": { p: true } }
    const [value] = decodeAmf0(hex('03 0009 5f5f70726f746f5f5f 03 0001 70 01 01 0000 09 0000 09'));
    assert.ok(value && typeof value === 'object');
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__']);
  });

  it('fails with typed errors on truncation, unknown markers and nesting past the cap', () => {
    const code = (data: Buffer) => {
      try {
        decodeAmf0(data);
        return 'ok';
      } catch (err) {
        assert.ok(err instanceof FlvError);
        return err.code;
      }
    };
    assert.equal(code(hex('02 0010 61')), 'FLV_TRUNCATED');
    assert.equal(code(hex('00 3ff0')), 'FLV_TRUNCATED');
    assert.equal(code(hex('0e')), 'AMF_BAD');
    assert.equal(code(hex('03 0000 05')), 'AMF_BAD');
    // Strict arrays of one element, nested one deeper than the cap.
    const nested = Buffer.from(Array.from({ length: MAX_AMF_DEPTH + 2 }, () => [0x0a, 0, 0, 0, 1]).flat());
    assert.equal(code(nested), 'AMF_LIMIT');
    assert.equal(code(hex('0a ffffffff')), 'AMF_LIMIT');
  });
});
