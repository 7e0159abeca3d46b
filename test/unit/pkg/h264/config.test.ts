import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { H264Error, buildAvcConfig, parseAvcConfig, type H264ErrorCode } from '../../../../addon/src/pkg/h264/index.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

function throwsCode(fn: () => unknown, code: H264ErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof H264Error && e.code === code);
}

const avcC = fixture('demo_avcC.bin');
const sps = fixture('demo_sps.bin');
const pps = fixture('demo_pps.bin');

describe('parseAvcConfig', () => {
  it('reads the demo clip avcC: Main, constraint_set1, level 3.0, 4-byte lengths', () => {
    const cfg = parseAvcConfig(avcC);
    assert.deepEqual(cfg, { profile: 77, compat: 0x40, level: 30, nalLengthSize: 4, sps: [sps], pps: [pps] });
    assert.equal(cfg.sps[0]?.buffer, avcC.buffer, 'parameter sets are views');
  });

  it('every cut of the record is H264_TRUNCATED', () => {
    for (let n = 0; n < avcC.length; n++) {
      throwsCode(() => parseAvcConfig(avcC.subarray(0, n)), 'H264_TRUNCATED');
    }
  });

  it('rejects another version, an empty parameter set and a record without SPS', () => {
    const v2 = Buffer.from(avcC);
    v2[0] = 2;
    throwsCode(() => parseAvcConfig(v2), 'H264_BAD_CONFIG');
    throwsCode(() => parseAvcConfig(Buffer.from([1, 77, 0, 30, 0xff, 0xe1, 0, 0, 0])), 'H264_BAD_CONFIG');
    throwsCode(() => parseAvcConfig(Buffer.from([1, 77, 0, 30, 0xff, 0xe0, 0])), 'H264_BAD_CONFIG');
  });
});

describe('buildAvcConfig', () => {
  it("rebuilds ffmpeg's avcC byte for byte", () => {
    assert.deepEqual(buildAvcConfig({ sps: [sps], pps: [pps] }), avcC);
  });

  it('adds the chroma/bit-depth extension for High profiles and still parses', () => {
    const high = fixture('x264_high10_640x360.sps');
    const built = buildAvcConfig({ sps: [high], pps: [pps], nalLengthSize: 2 });
    assert.deepEqual(built.subarray(built.length - 4), Buffer.from([0xfd, 0xfa, 0xfa, 0]));
    assert.deepEqual(parseAvcConfig(built), {
      profile: 110,
      compat: 0,
      level: 30,
      nalLengthSize: 2,
      sps: [high],
      pps: [pps],
    });
  });

  it('refuses input that is not an SPS/PPS list', () => {
    throwsCode(() => buildAvcConfig({ sps: [], pps: [pps] }), 'H264_BAD_CONFIG');
    throwsCode(() => buildAvcConfig({ sps: [pps], pps: [pps] }), 'H264_BAD_CONFIG');
    throwsCode(() => buildAvcConfig({ sps: [sps], pps: [sps] }), 'H264_BAD_CONFIG');
    throwsCode(() => buildAvcConfig({ sps: Array.from({ length: 32 }, () => sps), pps: [] }), 'H264_LIMIT');
    throwsCode(() => buildAvcConfig({ sps: [Buffer.from([0x67, 77])], pps: [] }), 'H264_TRUNCATED');
  });
});
