import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  H264Error,
  codecString,
  parseSps,
  profileString,
  type H264ErrorCode,
} from '../../../../addon/src/pkg/h264/index.js';
import { BitWriter, escape } from './bit-writer.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

function throwsCode(fn: () => unknown, code: H264ErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof H264Error && e.code === code);
}

// Expected values are ffprobe's (profile, width, height, level, pix_fmt, field order).
const CASES = [
  {
    file: 'demo_sps.bin',
    profile: 'Main',
    codec: 'avc1.4d401e',
    size: [640, 360],
    chroma: 1,
    depth: 8,
    progressive: true,
  },
  {
    file: 'x264_baseline_642x362.sps',
    profile: 'Constrained Baseline',
    codec: 'avc1.42c01e',
    size: [642, 362],
    chroma: 1,
    depth: 8,
    progressive: true,
  },
  {
    file: 'x264_high_1920x1080.sps',
    profile: 'High',
    codec: 'avc1.640028',
    size: [1920, 1080],
    chroma: 1,
    depth: 8,
    progressive: true,
  },
  {
    file: 'x264_interlaced_1920x1080.sps',
    profile: 'High',
    codec: 'avc1.640028',
    size: [1920, 1080],
    chroma: 1,
    depth: 8,
    progressive: false,
  },
  {
    file: 'x264_high10_640x360.sps',
    profile: 'High 10',
    codec: 'avc1.6e001e',
    size: [640, 360],
    chroma: 1,
    depth: 10,
    progressive: true,
  },
  {
    file: 'x264_high422_640x480.sps',
    profile: 'High 4:2:2',
    codec: 'avc1.7a001e',
    size: [640, 480],
    chroma: 2,
    depth: 8,
    progressive: true,
  },
  {
    file: 'x264_high444_321x241.sps',
    profile: 'High 4:4:4 Predictive',
    codec: 'avc1.f4000d',
    size: [321, 241],
    chroma: 3,
    depth: 8,
    progressive: true,
  },
] as const;

describe('parseSps on encoder output', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.profile} ${c.size.join('x')}`, () => {
      const nal = fixture(c.file);
      const sps = parseSps(nal);
      assert.deepEqual([sps.width, sps.height], c.size);
      assert.equal(sps.chromaFormatIdc, c.chroma);
      assert.equal(sps.bitDepthLuma, c.depth);
      assert.equal(sps.bitDepthChroma, c.depth);
      assert.equal(sps.frameMbsOnly, c.progressive);
      assert.equal(sps.id, 0);
      assert.equal(profileString(sps.profileIdc, sps.constraintFlags), c.profile);
      assert.equal(codecString(nal), c.codec);
      assert.equal(codecString(sps), c.codec);
    });
  }

  it('every cut of the demo SPS either parses the same or is H264_TRUNCATED', () => {
    const nal = fixture('demo_sps.bin');
    for (let n = 1; n < nal.length; n++) {
      try {
        const sps = parseSps(nal.subarray(0, n));
        assert.deepEqual([sps.width, sps.height], [640, 360]);
      } catch (e) {
        assert.ok(e instanceof H264Error && e.code === 'H264_TRUNCATED', String(e));
      }
    }
  });
});

/** High profile 1920x1080 with scaling lists, pic_order_cnt_type 1 and emulation prevention. */
function handMadeSps(cropBottom: number): Buffer {
  const w = new BitWriter().u(8, 100).u(8, 0).u(8, 40).ue(0);
  w.ue(1).ue(0).ue(0).u(1, 0); // chroma 4:2:0, 8-bit, no transform bypass
  w.u(1, 1); // seq_scaling_matrix_present_flag
  w.u(1, 1); // list 0 present: deltas until nextScale hits 0, then the rest repeat
  w.se(8).se(-16);
  w.u(1, 0).u(1, 0).u(1, 0).u(1, 0).u(1, 0);
  w.u(1, 1); // list 6 (8x8): 64 deltas
  for (let j = 0; j < 64; j++) w.se(j % 2 === 0 ? 1 : -1);
  w.u(1, 0);
  // poc type 1 with a 2-frame cycle; the large offset's long zero runs force 00 00 03 escapes.
  w.ue(0)
    .ue(1)
    .u(1, 0)
    .se(-3)
    .se(5)
    .ue(2)
    .se(1)
    .se(-(2 ** 29));
  w.ue(4).u(1, 0).ue(119).ue(67).u(1, 1).u(1, 1);
  w.u(1, 1).ue(0).ue(0).ue(0).ue(cropBottom);
  w.u(1, 0); // vui_parameters_present_flag
  return Buffer.concat([Buffer.from([0x67]), escape(w.rbsp())]);
}

describe('parseSps on hand-made parameter sets', () => {
  it('skips scaling lists and poc type 1 fields, and removes emulation prevention', () => {
    const nal = handMadeSps(4);
    assert.ok(nal.includes(Buffer.from([0, 0, 3])), 'the escaped SPS holds 00 00 03');
    const sps = parseSps(nal);
    assert.deepEqual([sps.profileIdc, sps.levelIdc, sps.width, sps.height], [100, 40, 1920, 1080]);
  });

  it('without cropping the size is the macroblock size', () => {
    const sps = parseSps(handMadeSps(0));
    assert.deepEqual([sps.width, sps.height], [1920, 1088]);
  });

  it('rejects cropping that leaves nothing', () => {
    throwsCode(() => parseSps(handMadeSps(544)), 'H264_BAD_SPS');
  });

  it('rejects other NAL types and impossible values', () => {
    throwsCode(() => parseSps(fixture('demo_pps.bin')), 'H264_BAD_SPS');
    const big = Buffer.concat([Buffer.from([0x67]), new BitWriter().u(8, 66).u(8, 0).u(8, 30).ue(32).rbsp()]);
    throwsCode(() => parseSps(big), 'H264_BAD_SPS');
    const chroma = Buffer.concat([Buffer.from([0x67]), new BitWriter().u(8, 100).u(8, 0).u(8, 30).ue(0).ue(4).rbsp()]);
    throwsCode(() => parseSps(chroma), 'H264_BAD_SPS');
    const poc = Buffer.concat([
      Buffer.from([0x67]),
      new BitWriter().u(8, 66).u(8, 0).u(8, 30).ue(0).ue(0).ue(3).rbsp(),
    ]);
    throwsCode(() => parseSps(poc), 'H264_BAD_SPS');
    // Baseline, poc type 0, then pic_width_in_mbs_minus1 = 5000 (80000 pixels).
    const wideBits = new BitWriter().u(8, 66).u(8, 0).u(8, 30).ue(0).ue(0).ue(0).ue(0).ue(1).u(1, 0).ue(5000).ue(10);
    const wide = Buffer.concat([Buffer.from([0x67]), wideBits.rbsp()]);
    throwsCode(() => parseSps(wide), 'H264_BAD_SPS');
    throwsCode(() => parseSps(Buffer.alloc(0)), 'H264_BAD_NALU');
  });
});

describe('profileString', () => {
  it('names profiles like FFmpeg', () => {
    const table: [number, number, string | undefined][] = [
      [66, 0x00, 'Baseline'],
      [66, 0x40, 'Constrained Baseline'],
      [66, 0xe0, 'Constrained Baseline'],
      [77, 0x40, 'Main'],
      [88, 0x00, 'Extended'],
      [100, 0x00, 'High'],
      [100, 0x0c, 'High'],
      [110, 0x00, 'High 10'],
      [110, 0x10, 'High 10 Intra'],
      [122, 0x00, 'High 4:2:2'],
      [122, 0x10, 'High 4:2:2 Intra'],
      [144, 0x00, 'High 4:4:4'],
      [244, 0x00, 'High 4:4:4 Predictive'],
      [244, 0x10, 'High 4:4:4 Intra'],
      [44, 0x10, 'CAVLC 4:4:4'],
      [118, 0x00, undefined],
      [0, 0x00, undefined],
    ];
    for (const [idc, flags, name] of table) assert.equal(profileString(idc, flags), name, `${idc}/${flags}`);
  });
});

describe('codecString', () => {
  it('is avc1.PPCCLL in lowercase hex', () => {
    assert.equal(codecString({ profileIdc: 66, constraintFlags: 0xe0, levelIdc: 31 }), 'avc1.42e01f');
    assert.equal(codecString({ profileIdc: 100, constraintFlags: 0, levelIdc: 9 }), 'avc1.640009');
  });

  it('rejects a NAL unit that is not an SPS or too short to hold one', () => {
    throwsCode(() => codecString(fixture('demo_pps.bin')), 'H264_BAD_SPS');
    throwsCode(() => codecString(Buffer.from([0x67, 0x42])), 'H264_TRUNCATED');
  });
});
