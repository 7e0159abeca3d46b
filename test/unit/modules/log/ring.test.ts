import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogRing } from '../../../../addon/src/modules/log/ring.js';

describe('LogRing', () => {
  it('keeps the newest lines up to maxLines', () => {
    const ring = new LogRing({ maxLines: 3 });
    for (let i = 0; i < 5; i++) ring.push(`l${i}`);
    assert.equal(ring.text(), 'l2\nl3\nl4\n');
    assert.equal(ring.length, 3);
    assert.equal(ring.bytes, 9);
  });

  it('keeps the newest lines up to maxBytes, counting UTF-8 bytes and newlines', () => {
    const ring = new LogRing({ maxBytes: 10 });
    ring.push('ééé'); // 6 bytes + newline
    ring.push('ab'); // 3
    assert.equal(ring.text(), 'ééé\nab\n');
    ring.push('c'); // 2: total 12 > 10, the oldest goes
    assert.equal(ring.text(), 'ab\nc\n');
    assert.equal(ring.bytes, 5);
  });

  it('keeps a single line bigger than maxBytes until the next one', () => {
    const ring = new LogRing({ maxBytes: 4 });
    ring.push('0123456789');
    assert.equal(ring.length, 1);
    ring.push('x');
    assert.equal(ring.text(), 'x\n');
  });

  it('defaults to 10 000 lines and 1 MiB, and stays right across compaction', () => {
    const ring = new LogRing();
    assert.equal(ring.maxLines, 10_000);
    assert.equal(ring.maxBytes, 1 << 20);
    for (let i = 0; i < 25_000; i++) ring.push(`line ${i}`);
    assert.equal(ring.length, 10_000);
    assert.deepEqual(ring.lastLines(2), ['line 24998', 'line 24999']);
    assert.equal(ring.text().split('\n')[0], 'line 15000');
    const big = new LogRing();
    const line = 'x'.repeat(1023); // 1 KiB with its newline
    for (let i = 0; i < 2000; i++) big.push(line);
    assert.equal(big.length, 1024);
    assert.equal(big.bytes, 1 << 20);
  });

  it('clears', () => {
    const ring = new LogRing();
    ring.push('a');
    ring.clear();
    assert.equal(ring.text(), '');
    assert.equal(ring.length, 0);
    assert.equal(ring.bytes, 0);
  });
});
