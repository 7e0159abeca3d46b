import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildAacConfig, parseAacConfig } from '../../../../addon/src/pkg/aac/config.js';
import { buildHvcConfig, h265CodecString } from '../../../../addon/src/pkg/h265/config.js';
import { H265Error } from '../../../../addon/src/pkg/h265/errors.js';
import { parseH265Sps } from '../../../../addon/src/pkg/h265/sps.js';
import { decodeAlaw, decodeUlaw } from '../../../../addon/src/pkg/pcm/index.js';
import { Prng, flipBits, setBytes, setU32, splice, timed, truncate } from '../../../fuzz/mutate.js';

/** The codec helpers the muxer needs: hvcC and codec strings from H.265 SPS, AAC configs, G.711 tables. */

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/muxer/${name}`, import.meta.url));
}

const SMALL = {
  vps: fixture('x265_642x362_vps.bin'),
  sps: fixture('x265_642x362_sps.bin'),
  pps: fixture('x265_642x362_pps.bin'),
};
const MAIN10 = {
  vps: fixture('x265_main10_1280x720_vps.bin'),
  sps: fixture('x265_main10_1280x720_sps.bin'),
  pps: fixture('x265_main10_1280x720_pps.bin'),
};

describe('parseH265Sps', () => {
  it('reads profile, level, chroma format, bit depth and the cropped size (x265 Main, 642x362)', () => {
    const sps = parseH265Sps(SMALL.sps);
    assert.deepEqual(
      { ...sps, profileTierLevel: sps.profileTierLevel.toString('hex') },
      {
        profileTierLevel: '01' + '60000000' + '900000000000' + '3f',
        profileSpace: 0,
        tier: 0,
        profileIdc: 1,
        levelIdc: 63,
        maxSubLayers: 1,
        temporalIdNesting: true,
        chromaFormatIdc: 1,
        bitDepthLuma: 8,
        bitDepthChroma: 8,
        width: 642,
        height: 362,
      },
    );
  });

  it('reads Main 10 at 1280x720', () => {
    const sps = parseH265Sps(MAIN10.sps);
    assert.deepEqual(
      [sps.profileIdc, sps.levelIdc, sps.bitDepthLuma, sps.bitDepthChroma, sps.width, sps.height],
      [2, 93, 10, 10, 1280, 720],
    );
  });

  it('fails with H265Error on other NAL units and cut SPS', () => {
    assert.throws(() => parseH265Sps(SMALL.pps), H265Error);
    assert.throws(() => parseH265Sps(SMALL.sps.subarray(0, 14)), H265Error);
    assert.throws(() => parseH265Sps(SMALL.sps.subarray(0, 20)), H265Error);
  });
});

describe('h265CodecString', () => {
  it('follows ISO/IEC 14496-15 E.3 (compatibility flags bit-reversed, trailing zero constraint bytes left out)', () => {
    assert.equal(h265CodecString(SMALL.sps), 'hvc1.1.6.L63.90');
    assert.equal(h265CodecString(MAIN10.sps), 'hvc1.2.4.L93.90');
    assert.equal(h265CodecString(parseH265Sps(SMALL.sps), 'hev1'), 'hev1.1.6.L63.90');
  });
});

describe('buildHvcConfig', () => {
  for (const [name, sets, ffmpegFile] of [
    ['Main', SMALL, 'x265_642x362_ffmpeg_hvcC.bin'],
    ['Main 10', MAIN10, 'x265_main10_1280x720_ffmpeg_hvcC.bin'],
  ] as const) {
    it(`${name}: the header FFmpeg writes, except what needs the VUI, then complete VPS/SPS/PPS arrays`, () => {
      const ours = buildHvcConfig({ vps: [sets.vps], sps: [sets.sps], pps: [sets.pps] });
      const theirs = fixture(ffmpegFile);
      // Version, profile/tier/level (12 bytes), chroma format, bit depths: identical.
      assert.deepEqual(ours.subarray(0, 13), theirs.subarray(0, 13));
      assert.deepEqual(ours.subarray(16, 19), theirs.subarray(16, 19));
      // numTemporalLayers, temporalIdNested, lengthSizeMinusOne = 3 (constantFrameRate may differ).
      assert.equal((ours[21] ?? 0) & 0x3f, (theirs[21] ?? 0) & 0x3f);
      // min_spatial_segmentation_idc and parallelismType come from the VUI: written as 0 (unknown).
      assert.deepEqual([...ours.subarray(13, 16)], [0xf0, 0x00, 0xfc]);
      assert.equal(ours[22], 3);
      let pos = 23;
      for (const [type, nal] of [
        [32, sets.vps],
        [33, sets.sps],
        [34, sets.pps],
      ] as const) {
        assert.equal(ours[pos], 0x80 | type);
        assert.equal(ours.readUInt16BE(pos + 1), 1);
        assert.equal(ours.readUInt16BE(pos + 3), nal.length);
        assert.deepEqual(ours.subarray(pos + 5, pos + 5 + nal.length), nal);
        pos += 5 + nal.length;
      }
      assert.equal(pos, ours.length);
    });
  }

  it('refuses a missing SPS and misplaced NAL units', () => {
    assert.throws(() => buildHvcConfig({ vps: [SMALL.vps], sps: [], pps: [SMALL.pps] }), H265Error);
    assert.throws(() => buildHvcConfig({ vps: [SMALL.pps], sps: [SMALL.sps], pps: [SMALL.pps] }), H265Error);
  });
});

describe('AAC AudioSpecificConfig', () => {
  it('builds the two-byte LC config and reads it back', () => {
    assert.deepEqual([...buildAacConfig(16000, 1)], [0x14, 0x08]);
    assert.deepEqual([...buildAacConfig(48000, 2)], [0x11, 0x90]);
    assert.deepEqual([...buildAacConfig(44100, 2)], [0x12, 0x10]);
    assert.deepEqual(parseAacConfig(Buffer.from([0x11, 0x90])), { objectType: 2, sampleRate: 48000, channels: 2 });
  });

  it('writes unlisted rates explicitly (index 15)', () => {
    const asc = buildAacConfig(50000, 1);
    assert.equal(asc.length, 5);
    assert.deepEqual(parseAacConfig(asc), { objectType: 2, sampleRate: 50000, channels: 1 });
  });

  it('returns undefined for bytes that are not a config', () => {
    assert.equal(parseAacConfig(Buffer.alloc(0)), undefined);
    assert.equal(parseAacConfig(Buffer.from([0x00, 0x00])), undefined, 'object type 0');
    assert.equal(parseAacConfig(Buffer.from([0x17, 0x08])), undefined, 'reserved sampling index 14');
  });
});

describe('G.711 decoding (pkg/pcm) the FLAC path relies on', () => {
  it('match the reference end points and silence codes', () => {
    assert.deepEqual([...decodeUlaw(Buffer.from([0x00, 0x80, 0xff, 0x7f]))], [-32124, 32124, 0, 0]);
    assert.deepEqual([...decodeAlaw(Buffer.from([0x55, 0xd5, 0x2a, 0xaa]))], [-8, 8, -32256, 32256]);
  });
});

describe('mutated parameter sets (seeded)', () => {
  it('parseH265Sps / buildHvcConfig throw only H265Error, and parseAacConfig never throws', () => {
    const rng = new Prng(0x5eed_265);
    const mutations = [flipBits, setBytes, setU32, truncate, splice];
    for (let i = 0; i < 3000; i++) {
      const base = i % 2 === 0 ? SMALL.sps : MAIN10.sps;
      const input = rng.pick(mutations)(rng, base);
      const { error } = timed(() => {
        try {
          buildHvcConfig({ vps: [SMALL.vps], sps: [input], pps: [SMALL.pps] });
        } catch (err) {
          if (!(err instanceof H265Error)) throw err;
        }
      });
      assert.equal(error, undefined, `iteration ${i}: ${String(error)} for ${input.toString('hex')}`);
      parseAacConfig(rng.bytes(rng.below(8)));
    }
  });
});
