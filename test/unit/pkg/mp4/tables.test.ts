import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMp4, type Mp4Movie, type Mp4Track } from '../../../../addon/src/pkg/mp4/index.js';
import {
  audioEntry,
  box,
  esds,
  file,
  fullBox,
  i32,
  i64,
  moov,
  tableBox,
  trak,
  u16,
  u32,
  u64,
  u8,
  visualEntry,
} from './mp4-builder.js';

/** Sample table shapes the demo clip does not use, built byte by byte. */

const AVCC = Buffer.from('014d401effe100046742c01e0100026800', 'hex');

function only(movie: Mp4Movie): Mp4Track {
  assert.equal(movie.tracks.length, 1);
  const t = movie.tracks[0];
  assert.ok(t);
  return t;
}

/** Five video samples of sizes 10..14 in two chunks (3 + 2), chunk 2 after a 100-byte gap. */
function videoFile(tables: (dataStart: number) => Buffer[], entry = visualEntry('avc1', 320, 240, box('avcC', AVCC))) {
  const payload = Buffer.alloc(10 + 11 + 12 + 100 + 13 + 14, 0xab);
  return file(
    (dataStart) => moov(trak({ id: 7, handler: 'vide', timescale: 90000, entry, tables: tables(dataStart) })),
    payload,
  );
}

const SIZES = [10, 11, 12, 13, 14];
const STSZ = fullBox('stsz', 0, u32(0, 5, ...SIZES));
const STTS = tableBox('stts', [[5, 3000]]);
const STSC = tableBox('stsc', [
  [1, 3, 1],
  [2, 2, 1],
]);
const stco = (d: number): Buffer => tableBox('stco', [[d], [d + 133]]);

describe('sample tables', () => {
  it('stsc runs and stco give each sample its offset; no stss means all key frames', () => {
    const bytes = videoFile((d) => [STTS, STSZ, STSC, stco(d)]);
    const t = only(parseMp4(bytes));
    const d = bytes.length - 160;
    assert.deepEqual(
      t.samples.map((s) => [s.offset - d, s.size, s.dts, s.pts, s.duration, s.keyframe]),
      [
        [0, 10, 0, 0, 3000, true],
        [10, 11, 3000, 3000, 3000, true],
        [21, 12, 6000, 6000, 3000, true],
        [133, 13, 9000, 9000, 3000, true],
        [146, 14, 12000, 12000, 3000, true],
      ],
    );
    assert.equal(t.durationTicks, 15000);
    assert.deepEqual([t.id, t.codec, t.width, t.height], [7, 'H264', 320, 240]);
    assert.deepEqual(t.avcC, AVCC);
    assert.deepEqual(t.edits, []);
  });

  it('co64 works like stco', () => {
    const a = videoFile((d) => [STTS, STSZ, STSC, stco(d)]);
    const b = videoFile((d) => [STTS, STSZ, STSC, fullBox('co64', 0, u32(2), u64(d, d + 133))]);
    // The payload is the last 160 bytes of each file; compare offsets from its start.
    const relative = (bytes: Buffer): number[][] =>
      only(parseMp4(bytes)).samples.map((s) => [s.offset - (bytes.length - 160), s.size, s.dts]);
    assert.deepEqual(relative(b), relative(a));
  });

  it('stz2 with 4, 8 and 16-bit fields gives the same sizes as stsz', () => {
    const stz2 = (bits: number, body: Buffer): Buffer => fullBox('stz2', 0, u8(0, 0, 0, bits), u32(5), body);
    for (const table of [stz2(4, u8(0xab, 0xcd, 0xe0)), stz2(8, u8(...SIZES)), stz2(16, u16(...SIZES))]) {
      const t = only(parseMp4(videoFile((d) => [STTS, table, STSC, stco(d)])));
      assert.deepEqual(
        t.samples.map((s) => s.size),
        SIZES,
      );
    }
  });

  it('a constant stsz sample_size applies to every sample', () => {
    const bytes = videoFile((d) => [STTS, fullBox('stsz', 0, u32(10, 5)), STSC, stco(d)]);
    assert.deepEqual(
      only(parseMp4(bytes)).samples.map((s) => s.size),
      [10, 10, 10, 10, 10],
    );
  });

  it('stts runs and signed ctts offsets (version 0 and 1) give dts and pts', () => {
    const stts = tableBox('stts', [
      [2, 1000],
      [0, 5],
      [3, 2000],
    ]);
    for (const version of [0, 1]) {
      const ctts = fullBox('ctts', version, u32(3), u32(1), i32(2000), u32(1), i32(-1000), u32(2), i32(0));
      const t = only(parseMp4(videoFile((d) => [stts, ctts, STSZ, STSC, stco(d)])));
      assert.deepEqual(
        t.samples.map((s) => [s.dts, s.pts, s.duration]),
        [
          [0, 2000, 1000],
          [1000, 0, 1000],
          [2000, 2000, 2000],
          [4000, 4000, 2000],
          // ctts covered four samples; the fifth gets offset 0, as players do.
          [6000, 6000, 2000],
        ],
      );
    }
  });

  it('stss marks key frames; numbers outside the track are ignored; an empty stss means none', () => {
    const keyed = only(
      parseMp4(videoFile((d) => [STTS, STSZ, STSC, stco(d), tableBox('stss', [[1], [4], [0], [99]])])),
    );
    assert.deepEqual(
      keyed.samples.map((s) => s.keyframe),
      [true, false, false, true, false],
    );
    const none = only(parseMp4(videoFile((d) => [STTS, STSZ, STSC, stco(d), tableBox('stss', [])])));
    assert.ok(none.samples.every((s) => !s.keyframe));
  });

  it('an empty track has no samples and duration 0', () => {
    const empty = [tableBox('stts', []), fullBox('stsz', 0, u32(0, 0)), tableBox('stsc', []), tableBox('stco', [])];
    const bytes = videoFile(() => empty);
    const t = only(parseMp4(bytes));
    assert.deepEqual([t.samples.length, t.durationTicks], [0, 0]);
  });

  it('elst version 1 with a leading empty edit; a media_time beyond 2^53 is MP4_BAD_BOX', () => {
    const elst = (first: bigint): Buffer =>
      fullBox('elst', 1, u32(2), u64(500), i64(first), u16(0xffff, 0xffff), u64(10000), i64(1024n), u16(1, 0x8000));
    const make = (first: bigint): Buffer =>
      file(
        (d) =>
          moov(
            trak({
              id: 1,
              handler: 'vide',
              timescale: 90000,
              entry: visualEntry('avc1', 16, 16, box('avcC', AVCC)),
              tables: [STTS, STSZ, STSC, stco(d)],
              edts: box('edts', elst(first)),
            }),
          ),
        Buffer.alloc(160),
      );
    assert.deepEqual(only(parseMp4(make(-1n))).edits, [
      { segmentDuration: 500, mediaTime: -1, rate: -1 + 0xffff / 65536 },
      { segmentDuration: 10000, mediaTime: 1024, rate: 1.5 },
    ]);
    assert.throws(() => parseMp4(make(2n ** 62n)), { code: 'MP4_BAD_BOX' });
  });
});

describe('sample entries', () => {
  function audioFile(entry: Buffer, handler = 'soun') {
    return file(
      (d) =>
        moov(
          trak({
            id: 2,
            handler,
            timescale: 44100,
            entry,
            tables: [
              tableBox('stts', [[2, 1024]]),
              fullBox('stsz', 0, u32(6, 2)),
              tableBox('stsc', [[1, 2, 1]]),
              tableBox('stco', [[d]]),
            ],
          }),
        ),
      Buffer.alloc(12),
    );
  }

  it('mp4a with an AAC esds gives the AudioSpecificConfig', () => {
    const asc = Buffer.from([0x12, 0x10]);
    const t = only(parseMp4(audioFile(audioEntry('mp4a', 2, 44100, [esds(0x40, asc)]))));
    assert.deepEqual([t.kind, t.codec, t.channels, t.sampleRate, t.timescale], ['audio', 'AAC', 2, 44100, 44100]);
    assert.deepEqual(t.audioSpecificConfig, asc);
    assert.equal(t.samples.length, 2);
  });

  it('a QuickTime v1 sound description is skipped to its child boxes', () => {
    const asc = Buffer.from([0x11, 0x90]);
    const t = only(parseMp4(audioFile(audioEntry('mp4a', 1, 48000, [esds(0x40, asc)], 1))));
    assert.deepEqual([t.codec, t.channels, t.sampleRate], ['AAC', 1, 48000]);
    assert.deepEqual(t.audioSpecificConfig, asc);
  });

  it('ulaw and alaw are PCMU and PCMA', () => {
    assert.equal(only(parseMp4(audioFile(audioEntry('ulaw', 1, 8000)))).codec, 'PCMU');
    assert.equal(only(parseMp4(audioFile(audioEntry('alaw', 1, 8000)))).codec, 'PCMA');
  });

  it('mp3 in mp4a, unknown formats and non-A/V handlers are listed as ignored', () => {
    const mp3 = parseMp4(audioFile(audioEntry('mp4a', 2, 44100, [esds(0x6b)])));
    assert.deepEqual([mp3.tracks, mp3.ignored], [[], [{ id: 2, handler: 'soun', format: 'mp4a' }]]);
    const text = parseMp4(audioFile(box('tx3g', Buffer.alloc(8)), 'text'));
    assert.deepEqual(text.ignored, [{ id: 2, handler: 'text', format: 'tx3g' }]);
    const vp9 = parseMp4(videoFile((d) => [STTS, STSZ, STSC, stco(d)], visualEntry('vp09', 64, 64)));
    assert.deepEqual(vp9.ignored, [{ id: 7, handler: 'vide', format: 'vp09' }]);
  });

  it("ffmpeg's MJPEG-in-mp4 (mp4v, object type 0x6C) is JPEG; hvc1 gives hvcC", () => {
    const jpeg = only(parseMp4(videoFile((d) => [STTS, STSZ, STSC, stco(d)], visualEntry('mp4v', 64, 48, esds(0x6c)))));
    assert.deepEqual([jpeg.codec, jpeg.width, jpeg.height], ['JPEG', 64, 48]);
    const hvcC = Buffer.from('01016000000090000000000078f000fcfdf8f800000f', 'hex');
    const hevc = only(
      parseMp4(videoFile((d) => [STTS, STSZ, STSC, stco(d)], visualEntry('hvc1', 64, 48, box('hvcC', hvcC)))),
    );
    assert.deepEqual([hevc.codec, hevc.hvcC, hevc.avcC], ['H265', hvcC, undefined]);
  });
});
