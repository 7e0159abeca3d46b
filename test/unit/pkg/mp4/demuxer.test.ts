import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Mp4Error, parseMp4, sampleData, type Mp4Track } from '../../../../addon/src/pkg/mp4/index.js';
import {
  NalUnitType,
  codecString,
  nalType,
  parseAvcConfig,
  parseSps,
  profileString,
  splitAvcc,
} from '../../../../addon/src/pkg/h264/index.js';

const DEMO = new URL('../../../../addon/assets/demo.mp4', import.meta.url);
const HEAD = new URL('./fixtures/demo_head.bin', import.meta.url);

const file = readFileSync(DEMO);
const movie = parseMp4(file);

/** Samples at 48 kHz of one frame of TOC config `c` (RFC 6716 3.1: SILK 0-11, Hybrid 12-15, CELT 16-31). */
function opusFrameTicks(c: number): number {
  if (c < 12) return [480, 960, 1920, 2880][c % 4] ?? 0;
  if (c < 16) return [480, 960][c % 2] ?? 0;
  return [120, 240, 480, 960][c % 4] ?? 0;
}

function track(kind: 'video' | 'audio'): Mp4Track {
  const t = movie.tracks.find((x) => x.kind === kind);
  assert.ok(t, `demo clip has a ${kind} track`);
  return t;
}

describe('parseMp4 on addon/assets/demo.mp4', () => {
  it('finds one H264 and one Opus track and nothing else', () => {
    assert.deepEqual(
      movie.tracks.map((t) => [t.id, t.kind, t.codec, t.format]),
      [
        [1, 'video', 'H264', 'avc1'],
        [2, 'audio', 'OPUS', 'Opus'],
      ],
    );
    assert.deepEqual(movie.ignored, []);
    assert.equal(movie.timescale, 1000);
    assert.equal(movie.durationTicks, 10000);
  });

  it('video: 250 samples at 25 fps on a 90 kHz clock, 10 s in all', () => {
    const v = track('video');
    assert.equal(v.timescale, 90000);
    assert.equal(v.samples.length, 250);
    v.samples.forEach((s, i) => {
      assert.equal(s.dts, i * 3600, `dts of sample ${i}`);
      assert.equal(s.pts, s.dts, 'no B-frames, so pts == dts');
      assert.equal(s.duration, 3600);
    });
    assert.equal(v.durationTicks, 900000);
    assert.equal(v.durationTicks / v.timescale, 10);
    assert.equal(v.width, 640);
    assert.equal(v.height, 360);
    assert.deepEqual(v.edits, [{ segmentDuration: 10000, mediaTime: 0, rate: 1 }]);
  });

  it('video: a key frame exactly every 25 samples', () => {
    const keys = track('video')
      .samples.map((s, i) => (s.keyframe ? i : -1))
      .filter((i) => i >= 0);
    assert.deepEqual(keys, [0, 25, 50, 75, 100, 125, 150, 175, 200, 225]);
  });

  it('video: avcC is Main 3.0 with one SPS giving 640x360', () => {
    const v = track('video');
    assert.ok(v.avcC);
    const cfg = parseAvcConfig(v.avcC);
    assert.deepEqual([cfg.profile, cfg.compat, cfg.level, cfg.nalLengthSize], [77, 0x40, 30, 4]);
    assert.equal(cfg.sps.length, 1);
    assert.equal(cfg.pps.length, 1);
    const sps = cfg.sps[0];
    assert.ok(sps);
    const parsed = parseSps(sps);
    assert.deepEqual([parsed.width, parsed.height], [640, 360]);
    assert.equal(profileString(parsed.profileIdc, parsed.constraintFlags), 'Main');
    assert.equal(codecString(sps), 'avc1.4d401e');
  });

  it('video: samples are AVCC; key frames hold an IDR slice, others do not', () => {
    const v = track('video');
    v.samples.forEach((s, i) => {
      const types = splitAvcc(sampleData(file, s)).map(nalType);
      assert.equal(types.includes(NalUnitType.IDR), s.keyframe, `sample ${i}: ${types.join(',')}`);
    });
    const first = v.samples[0];
    assert.ok(first);
    assert.deepEqual(splitAvcc(sampleData(file, first)).map(nalType), [NalUnitType.SEI, NalUnitType.IDR]);
  });

  it('audio: 500 Opus frames of 20 ms, mono, pre-skip 312, 10 s in all', () => {
    const a = track('audio');
    assert.equal(a.timescale, 48000);
    assert.equal(a.sampleRate, 48000);
    assert.equal(a.channels, 1);
    assert.equal(a.opusPreSkip, 312);
    assert.equal(a.samples.length, 500);
    a.samples.forEach((s, i) => {
      assert.equal(s.duration, 960, `sample ${i} lasts 20 ms`);
      assert.equal(s.dts, i * 960);
      assert.ok(s.keyframe);
    });
    assert.equal(a.durationTicks, 480000);
    assert.equal(a.durationTicks / a.timescale, 10);
    // The edit trims the encoder delay at the start (and the 0.5 ms of padding ffmpeg adds).
    assert.deepEqual(a.edits, [{ segmentDuration: 9993, mediaTime: 312, rate: 1 }]);
  });

  it('audio: every packet is one 20 ms mono Opus frame (RFC 6716 TOC byte)', () => {
    for (const s of track('audio').samples) {
      const toc = sampleData(file, s)[0] ?? 0;
      assert.equal(opusFrameTicks(toc >> 3), 960, `config ${toc >> 3} is a 20 ms frame`);
      assert.equal(toc & 0x04, 0, 'mono');
      assert.equal(toc & 0x03, 0, 'code 0: one frame per packet');
    }
  });

  it('samples tile the mdat: no gaps, no overlaps, all inside the file', () => {
    const all = movie.tracks.flatMap((t) => t.samples).sort((x, y) => x.offset - y.offset);
    for (let i = 1; i < all.length; i++) {
      const prev = all[i - 1];
      const cur = all[i];
      assert.ok(prev && cur);
      assert.equal(cur.offset, prev.offset + prev.size);
    }
    const last = all[all.length - 1];
    assert.ok(last);
    assert.equal(last.offset + last.size, file.length);
  });

  it('sampleData returns a view into the file, not a copy', () => {
    const s = track('video').samples[3];
    assert.ok(s);
    const data = sampleData(file, s);
    assert.equal(data.buffer, file.buffer);
    assert.equal(data.byteOffset, file.byteOffset + s.offset);
    assert.equal(data.length, s.size);
  });
});

describe('parseMp4 on the head of the clip (ftyp + moov, no mdat)', () => {
  const head = readFileSync(HEAD);

  it('gives the same tables when sample data is not required', () => {
    const m = parseMp4(head, { requireSampleData: false });
    assert.deepEqual(m, movie);
  });

  it('is MP4_TRUNCATED by default, since the samples are missing', () => {
    assert.throws(
      () => parseMp4(head),
      (e: unknown) => e instanceof Mp4Error && e.code === 'MP4_TRUNCATED',
    );
  });

  it('sampleData then refuses samples outside the data', () => {
    const m = parseMp4(head, { requireSampleData: false });
    const s = m.tracks[0]?.samples[0];
    assert.ok(s);
    assert.throws(
      () => sampleData(head, s),
      (e: unknown) => e instanceof Mp4Error && e.code === 'MP4_TRUNCATED',
    );
  });
});
