import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Mp4Error, parseMp4, sampleData, type Mp4ErrorCode } from '../../../../addon/src/pkg/mp4/index.js';
import { FTYP, audioEntry, box, file, fullBox, moov, tableBox, trak, u32, u64, visualEntry } from './mp4-builder.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

function throwsCode(fn: () => unknown, code: Mp4ErrorCode): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Mp4Error, `an Mp4Error, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.startsWith(code));
    return true;
  });
}

const HEAD_ONLY = { requireSampleData: false };

describe('malformed files from fixtures', () => {
  const cases: [string, Mp4ErrorCode][] = [
    ['demo_head_cut_in_stsz.bin', 'MP4_TRUNCATED'],
    ['demo_head_stsz_count_251.bin', 'MP4_TRUNCATED'],
    ['demo_head_trak_size_4.bin', 'MP4_BAD_BOX'],
    ['demo_head_stsc_first_chunk_2.bin', 'MP4_BAD_TABLE'],
    ['demo_fragmented_head.bin', 'MP4_FRAGMENTED'],
    ['no_moov.bin', 'MP4_NO_MOOV'],
  ];
  for (const [name, code] of cases) {
    it(`${name}: ${code}`, () => throwsCode(() => parseMp4(fixture(name), HEAD_ONLY), code));
  }

  it('every prefix of the head is either a movie or MP4_TRUNCATED/MP4_NO_MOOV', () => {
    const head = fixture('demo_head.bin');
    const moovEnd = 32 + head.readUInt32BE(32);
    // Less than a box header before or after the 32-byte ftyp reads as "no moov"; any other
    // cut lands inside the ftyp or the moov. Once the moov is whole, the rest does not matter.
    for (let n = 0; n < moovEnd; n++) {
      const code = n < 8 || (n >= 32 && n < 40) ? 'MP4_NO_MOOV' : 'MP4_TRUNCATED';
      throwsCode(() => parseMp4(head.subarray(0, n), HEAD_ONLY), code);
    }
    for (let n = moovEnd; n <= head.length; n++) {
      assert.equal(parseMp4(head.subarray(0, n), HEAD_ONLY).tracks.length, 2);
    }
  });
});

const AVC = visualEntry('avc1', 16, 16, box('avcC', Buffer.from('014d401effe100046742c01e0100026800', 'hex')));
const STSZ3 = fullBox('stsz', 0, u32(0, 3, 1, 1, 1));

function video(tables: (d: number) => Buffer[], entry = AVC, timescale = 90000): Buffer {
  return file((d) => moov(trak({ id: 1, handler: 'vide', timescale, entry, tables: tables(d) })), Buffer.alloc(3));
}

describe('inconsistent sample tables', () => {
  it('stts covering fewer samples than stsz: MP4_BAD_TABLE', () => {
    const f = video((d) => [
      tableBox('stts', [[2, 10]]),
      STSZ3,
      tableBox('stsc', [[1, 3, 1]]),
      tableBox('stco', [[d]]),
    ]);
    throwsCode(() => parseMp4(f), 'MP4_BAD_TABLE');
  });

  it('chunks holding fewer samples than stsz: MP4_BAD_TABLE', () => {
    const f = video((d) => [
      tableBox('stts', [[3, 10]]),
      STSZ3,
      tableBox('stsc', [[1, 1, 1]]),
      tableBox('stco', [[d], [d + 1]]),
    ]);
    throwsCode(() => parseMp4(f), 'MP4_BAD_TABLE');
  });

  it('stsc first_chunk not increasing: MP4_BAD_TABLE', () => {
    const stsc = tableBox('stsc', [
      [1, 1, 1],
      [1, 2, 1],
    ]);
    const f = video((d) => [tableBox('stts', [[3, 10]]), STSZ3, stsc, tableBox('stco', [[d], [d + 1]])]);
    throwsCode(() => parseMp4(f), 'MP4_BAD_TABLE');
  });

  it('a constant-size stsz claiming 2^32-1 samples: MP4_LIMIT before any work', () => {
    const f = video((d) => [
      tableBox('stts', [[0xffffffff, 1]]),
      fullBox('stsz', 0, u32(1, 0xffffffff)),
      tableBox('stsc', [[1, 0xffffffff, 1]]),
      tableBox('stco', [[d]]),
    ]);
    // The limit is checked before the table is walked, so this answers at once instead of looping 2^32 times.
    throwsCode(() => parseMp4(f), 'MP4_LIMIT');
  });

  it('maxSamplesPerTrack is honoured', () => {
    const f = video((d) => [
      tableBox('stts', [[3, 10]]),
      STSZ3,
      tableBox('stsc', [[1, 3, 1]]),
      tableBox('stco', [[d]]),
    ]);
    assert.equal(parseMp4(f, { maxSamplesPerTrack: 3 }).tracks[0]?.samples.length, 3);
    throwsCode(() => parseMp4(f, { maxSamplesPerTrack: 2 }), 'MP4_LIMIT');
  });

  it('a sample past the end of the data: MP4_TRUNCATED', () => {
    const f = video((d) => [
      tableBox('stts', [[3, 10]]),
      STSZ3,
      tableBox('stsc', [[1, 3, 1]]),
      tableBox('stco', [[d + 1]]),
    ]);
    throwsCode(() => parseMp4(f), 'MP4_TRUNCATED');
    assert.equal(parseMp4(f, HEAD_ONLY).tracks[0]?.samples.length, 3);
  });

  it('missing stbl children, stz2 field size 3, mdhd timescale 0, Opus without dOps: MP4_BAD_BOX', () => {
    throwsCode(() => parseMp4(video(() => [tableBox('stts', [])])), 'MP4_BAD_BOX');
    const stz2 = fullBox('stz2', 0, u32(3, 1), Buffer.alloc(1));
    throwsCode(() => parseMp4(video((d) => [stz2, tableBox('stco', [[d]])])), 'MP4_BAD_BOX');
    throwsCode(() => parseMp4(video((d) => [STSZ3, tableBox('stco', [[d]])], AVC, 0)), 'MP4_BAD_BOX');
    const entry = audioEntry('Opus', 2, 48000);
    const tables = (d: number): Buffer[] => [STSZ3, tableBox('stco', [[d]])];
    const opus = file(
      (d) => moov(trak({ id: 1, handler: 'soun', timescale: 48000, entry, tables: tables(d) })),
      Buffer.alloc(3),
    );
    throwsCode(() => parseMp4(opus), 'MP4_BAD_BOX');
  });

  it('an stsd without entries: MP4_BAD_BOX', () => {
    const f = moov(trak({ id: 1, handler: 'vide', timescale: 90000, entry: AVC, tables: [], entryCount: 0 }));
    throwsCode(() => parseMp4(Buffer.concat([FTYP, f])), 'MP4_BAD_BOX');
  });
});

describe('top-level boxes', () => {
  const movie = moov();

  it('an empty buffer or one without moov: MP4_NO_MOOV', () => {
    throwsCode(() => parseMp4(Buffer.alloc(0)), 'MP4_NO_MOOV');
    throwsCode(() => parseMp4(Buffer.concat([FTYP, Buffer.alloc(5)])), 'MP4_NO_MOOV');
  });

  it('64-bit sizes and uuid boxes are skipped; a moov with no tracks is an empty movie', () => {
    const large = Buffer.concat([u32(1), Buffer.from('free'), u64(24), u64(0)]);
    const uuid = Buffer.concat([u32(24), Buffer.from('uuid'), Buffer.alloc(16)]);
    const m = parseMp4(Buffer.concat([FTYP, large, uuid, movie]));
    assert.deepEqual([m.tracks, m.ignored, m.timescale, m.durationTicks], [[], [], 1000, 10000]);
  });

  it('a size-0 box runs to the end of the file, hiding anything after it', () => {
    const free0 = Buffer.concat([u32(0), Buffer.from('free')]);
    throwsCode(() => parseMp4(Buffer.concat([FTYP, free0, movie])), 'MP4_NO_MOOV');
    assert.equal(parseMp4(Buffer.concat([FTYP, movie, Buffer.concat([u32(0), Buffer.from('mdat')])])).tracks.length, 0);
  });

  it('a box size below its header, or a 64-bit size past the data', () => {
    throwsCode(() => parseMp4(Buffer.concat([u32(7), Buffer.from('free')])), 'MP4_BAD_BOX');
    throwsCode(() => parseMp4(Buffer.concat([u32(1), Buffer.from('free'), u64(15)])), 'MP4_BAD_BOX');
    throwsCode(() => parseMp4(Buffer.concat([u32(1), Buffer.from('free'), u64(2 ** 60)])), 'MP4_TRUNCATED');
    throwsCode(() => parseMp4(Buffer.concat([u32(1), Buffer.from('free'), u32(0)])), 'MP4_TRUNCATED');
  });

  it('more than 1024 boxes before the moov: MP4_LIMIT', () => {
    const frees = Buffer.concat(Array.from({ length: 1100 }, () => box('free')));
    throwsCode(() => parseMp4(Buffer.concat([frees, movie])), 'MP4_LIMIT');
  });

  it('a moof before the moov, or an mvex in it: MP4_FRAGMENTED', () => {
    throwsCode(() => parseMp4(Buffer.concat([FTYP, box('moof'), movie])), 'MP4_FRAGMENTED');
    throwsCode(
      () => parseMp4(Buffer.concat([FTYP, box('moov', fullBox('mvhd', 0, Buffer.alloc(96)), box('mvex'))])),
      'MP4_FRAGMENTED',
    );
  });

  it('more than 64 tracks: MP4_LIMIT', () => {
    const traks = Array.from({ length: 65 }, () => box('trak'));
    throwsCode(() => parseMp4(Buffer.concat([FTYP, moov(...traks)])), 'MP4_LIMIT');
  });
});

describe('sampleData', () => {
  const data = Buffer.alloc(10);
  const sample = { offset: 2, size: 3, dts: 0, pts: 0, duration: 1, keyframe: true };

  it('returns the range', () => assert.deepEqual(sampleData(data, sample), data.subarray(2, 5)));
  it('refuses a range past the end', () => throwsCode(() => sampleData(data, { ...sample, size: 9 }), 'MP4_TRUNCATED'));
  it('refuses a range that is not one', () => {
    throwsCode(() => sampleData(data, { ...sample, offset: -1 }), 'MP4_BAD_TABLE');
    throwsCode(() => sampleData(data, { ...sample, size: 0.5 }), 'MP4_BAD_TABLE');
  });
});
