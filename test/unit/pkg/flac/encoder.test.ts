import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FlacEncoder,
  FlacError,
  MAX_BLOCK_SIZE,
  crc16,
  crc8,
  writeCodedNumber,
} from '../../../../addon/src/pkg/flac/index.js';

/** Bit-by-bit CRCs, written independently of the table-driven ones under test. */
function slowCrc(data: Uint8Array, width: 8 | 16, poly: number): number {
  let crc = 0;
  const top = 1 << (width - 1);
  const mask = (1 << width) - 1;
  for (const byte of data) {
    for (let bit = 7; bit >= 0; bit--) {
      const inBit = (byte >> bit) & 1;
      const msb = (crc & top) !== 0 ? 1 : 0;
      crc = (crc << 1) & mask;
      if ((msb ^ inBit) === 1) crc ^= poly;
    }
  }
  return crc;
}

function coded(value: number): number[] {
  const out = new Uint8Array(8);
  return [...out.subarray(0, writeCodedNumber(out, 0, value))];
}

describe('FLAC checksums', () => {
  const check = Buffer.from('123456789');
  it('CRC-8 (poly 0x07) and CRC-16 (poly 0x8005) give the catalogue check values', () => {
    assert.equal(crc8(check), 0xf4);
    assert.equal(crc16(check), 0xfee8);
  });
  it('agree with a bit-by-bit computation on other data', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff));
    assert.equal(crc8(data), slowCrc(data, 8, 0x07));
    assert.equal(crc16(data), slowCrc(data, 16, 0x8005));
  });
});

describe('coded sample numbers (RFC 9639 9.1.5)', () => {
  it('use the UTF-8 pattern, extended to 36 bits', () => {
    assert.deepEqual(coded(0), [0x00]);
    assert.deepEqual(coded(0x7f), [0x7f]);
    assert.deepEqual(coded(0x80), [0xc2, 0x80]);
    assert.deepEqual(coded(0x7ff), [0xdf, 0xbf]);
    assert.deepEqual(coded(0x800), [0xe0, 0xa0, 0x80]);
    // The surrogate range is a plain number here (Go's utf8.EncodeRune would write U+FFFD).
    assert.deepEqual(coded(0xd800), [0xed, 0xa0, 0x80]);
    assert.deepEqual(coded(0x10ffff + 1), [0xf4, 0x90, 0x80, 0x80]);
    assert.deepEqual(coded(0x7fffffff), [0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]);
    assert.deepEqual(coded(2 ** 36 - 1), [0xfe, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]);
  });
});

describe('FlacEncoder', () => {
  it('writes a STREAMINFO for a live stream: fixed 32768 block bounds, rate, channels, 16 bits, unknown length', () => {
    const info = new FlacEncoder({ sampleRate: 8000, channels: 1 }).streamInfo();
    assert.equal(info.length, 34);
    assert.deepEqual(
      [...info.subarray(0, 18)],
      [0x80, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xf4, 0x00, 0xf0, 0, 0, 0, 0],
    );
    const stereo = new FlacEncoder({ sampleRate: 44100, channels: 2 }).streamInfo();
    // 44100 = 0x0AC44: 20 bits, then channels-1 = 1, bps-1 = 15.
    assert.deepEqual([...stereo.subarray(10, 14)], [0x0a, 0xc4, 0x42, 0xf0]);
  });

  it('writes a verbatim frame byte for byte', () => {
    const encoder = new FlacEncoder({ sampleRate: 8000, channels: 1 });
    const frame = encoder.encode(Int16Array.from([1, -2]));
    const header = [0xff, 0xf9, 0x64, 0x08, 0x00, 0x01];
    const body = [...header, slowCrc(Buffer.from(header), 8, 0x07), 0x02, 0x00, 0x01, 0xff, 0xfe];
    const crc = slowCrc(Buffer.from(body), 16, 0x8005);
    assert.deepEqual([...frame], [...body, crc >> 8, crc & 0xff]);
    assert.equal(encoder.position, 2);
    // The next frame's header carries sample number 2; blocks above 256 use the 16-bit size.
    const next = encoder.encode(new Int16Array(300));
    assert.deepEqual([...next.subarray(0, 7)], [0xff, 0xf9, 0x74, 0x08, 0x02, 0x01, 0x2b]);
  });

  it('codes two channels independently, left then right', () => {
    const encoder = new FlacEncoder({ sampleRate: 48000, channels: 2 });
    const frame = encoder.encode(Int16Array.from([1, 2, 3, 4]));
    assert.equal(frame[2], 0x6a, 'block size 8-bit, 48 kHz code');
    assert.equal(frame[3], 0x18, 'left/right, 16 bits');
    assert.deepEqual([...frame.subarray(7, 17)], [0x02, 0, 1, 0, 3, 0x02, 0, 2, 0, 4]);
  });

  it('uses "rate from STREAMINFO" for rates without a frame-header code', () => {
    const frame = new FlacEncoder({ sampleRate: 12000, channels: 1 }).encode(new Int16Array(4));
    assert.equal((frame[2] ?? 0xff) & 0x0f, 0);
  });

  it('refuses what it cannot describe', () => {
    const code = (fn: () => unknown, c: string) =>
      assert.throws(fn, (e: unknown) => e instanceof FlacError && e.code === c);
    code(() => new FlacEncoder({ sampleRate: 0, channels: 1 }), 'FLAC_BAD_FORMAT');
    code(() => new FlacEncoder({ sampleRate: 8000, channels: 3 }), 'FLAC_BAD_FORMAT');
    const encoder = new FlacEncoder({ sampleRate: 8000, channels: 2 });
    code(() => encoder.encode(new Int16Array(0)), 'FLAC_BLOCK_SIZE');
    code(() => encoder.encode(new Int16Array(3)), 'FLAC_BLOCK_SIZE');
    code(() => encoder.encode(new Int16Array(2 * (MAX_BLOCK_SIZE + 1))), 'FLAC_BLOCK_SIZE');
  });
});
