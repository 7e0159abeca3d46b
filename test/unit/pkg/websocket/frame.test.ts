import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryFrameHeader } from '../../../../addon/src/pkg/websocket/index.js';

const hex = (b: Buffer): string => b.toString('hex');

describe('binaryFrameHeader (RFC 6455 5.2, server to client)', () => {
  it('uses the 7-bit length up to 125', () => {
    assert.equal(hex(binaryFrameHeader(0)), '8200');
    assert.equal(hex(binaryFrameHeader(125)), '827d');
  });

  it('uses 126 and a 16-bit length up to 65535', () => {
    assert.equal(hex(binaryFrameHeader(126)), '827e007e');
    assert.equal(hex(binaryFrameHeader(65535)), '827effff');
  });

  it('uses 127 and a 64-bit length above', () => {
    assert.equal(hex(binaryFrameHeader(65536)), '827f0000000000010000');
    assert.equal(hex(binaryFrameHeader(2 ** 32 + 5)), '827f0000000100000005');
  });

  it('refuses a length that is not a count', () => {
    assert.throws(() => binaryFrameHeader(-1), RangeError);
    assert.throws(() => binaryFrameHeader(1.5), RangeError);
  });
});
