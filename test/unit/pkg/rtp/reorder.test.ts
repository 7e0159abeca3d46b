import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ReorderBuffer,
  RtpError,
  parseRtp,
  serializeRtpHeader,
  type RtpPacket,
} from '../../../../addon/src/pkg/rtp/index.js';

function packet(sequence: number): RtpPacket {
  return parseRtp(
    Buffer.concat([
      serializeRtpHeader({ payloadType: 96, sequence, timestamp: sequence * 10, ssrc: 1 }),
      Buffer.from([sequence & 0xff]),
    ]),
  );
}

function feed(buffer: ReorderBuffer, sequences: number[]): number[] {
  return sequences.flatMap((s) => buffer.push(packet(s)).map((p) => p.sequence));
}

describe('ReorderBuffer', () => {
  it('passes packets in order straight through', () => {
    assert.deepEqual(feed(new ReorderBuffer(), [10, 11, 12]), [10, 11, 12]);
  });

  it('holds a packet that came early until the missing one arrives, across the 16-bit wrap', () => {
    const b = new ReorderBuffer();
    assert.deepEqual(feed(b, [65534, 0, 1, 65535, 2]), [65534, 65535, 0, 1, 2]);
    assert.equal(b.skipped, 0);
  });

  it('drops late and duplicate packets', () => {
    const b = new ReorderBuffer();
    assert.deepEqual(feed(b, [5, 6, 5, 8, 8, 7, 6]), [5, 6, 7, 8]);
    assert.equal(b.dropped, 3);
  });

  it('gives a gap up once a packet `capacity` ahead arrives', () => {
    const b = new ReorderBuffer({ capacity: 4 });
    assert.deepEqual(feed(b, [1, 3, 4, 5]), [1]);
    assert.deepEqual(feed(b, [6]), [3, 4, 5, 6]);
    assert.equal(b.skipped, 1);
    assert.deepEqual(feed(b, [7, 20]), [7, 20], 'far ahead: restart from there');
    assert.equal(b.skipped, 13);
  });

  it('a lone packet far behind is dropped; two in a row are a restarted sequence and go on from there', () => {
    const b = new ReorderBuffer();
    assert.deepEqual(feed(b, [5000, 5001, 100, 5002]), [5000, 5001, 5002], 'one stray packet: dropped');
    assert.equal(b.dropped, 1);
    assert.deepEqual(feed(b, [5004, 200, 201, 202]), [5004, 200, 201, 202], 'held ones first, then the new sequence');
    assert.equal(b.dropped, 1);
    assert.deepEqual(feed(b, [150]), [], 'late within the misorder window: dropped');
    assert.deepEqual(feed(b, [151, 203]), [203]);
  });

  it('flush hands out everything held, in order', () => {
    const b = new ReorderBuffer();
    feed(b, [100, 103, 102]);
    assert.deepEqual(
      b.flush().map((p) => p.sequence),
      [102, 103],
    );
    assert.deepEqual(feed(b, [104]), [104]);
  });

  it('checks its capacity', () => {
    assert.throws(
      () => new ReorderBuffer({ capacity: 0 }),
      (e: unknown) => e instanceof RtpError && e.code === 'RTP_BAD_OPTIONS',
    );
  });
});
