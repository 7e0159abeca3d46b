import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  H264Error,
  MAX_NALUS_PER_FRAME,
  NalUnitType,
  annexBToAvcc,
  avccToAnnexB,
  isKeyframe,
  joinAvcc,
  nalType,
  splitAnnexB,
  splitAvcc,
  type H264ErrorCode,
} from '../../../../addon/src/pkg/h264/index.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
}

function throwsCode(fn: () => unknown, code: H264ErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof H264Error && e.code === code);
}

const keyframe = fixture('demo_keyframe.avcc');
const pframe = fixture('demo_pframe.avcc');
const ffmpegAnnexB = fixture('demo_keyframe_ffmpeg.h264');
const sps = fixture('demo_sps.bin');
const pps = fixture('demo_pps.bin');

describe('splitAvcc', () => {
  it('splits the demo key frame into SEI + IDR views', () => {
    const nals = splitAvcc(keyframe);
    assert.deepEqual(
      nals.map((n) => [nalType(n), n.length]),
      [
        [NalUnitType.SEI, 689],
        [NalUnitType.IDR, 6451],
      ],
    );
    const idr = nals[1];
    assert.ok(idr);
    assert.equal(idr.buffer, keyframe.buffer, 'a view, not a copy');
    assert.equal(idr.byteOffset, keyframe.byteOffset + 4 + 689 + 4);
  });

  it('reads 1, 2 and 3-byte lengths and skips empty entries', () => {
    const a = Buffer.from([0x65, 1, 2]);
    const b = Buffer.from([0x41]);
    assert.deepEqual(splitAvcc(Buffer.from([3, 0x65, 1, 2, 0, 1, 0x41]), 1), [a, b]);
    assert.deepEqual(splitAvcc(Buffer.from([0, 3, 0x65, 1, 2, 0, 1, 0x41]), 2), [a, b]);
    assert.deepEqual(splitAvcc(Buffer.from([0, 0, 3, 0x65, 1, 2]), 3), [a]);
    assert.deepEqual(splitAvcc(Buffer.alloc(0)), []);
  });

  it('rejects bad length sizes, cut lengths and cut NAL units', () => {
    throwsCode(() => splitAvcc(keyframe, 5), 'H264_BAD_CONFIG');
    throwsCode(() => splitAvcc(keyframe, 0), 'H264_BAD_CONFIG');
    throwsCode(() => splitAvcc(Buffer.from([0, 0, 1])), 'H264_TRUNCATED');
    throwsCode(() => splitAvcc(keyframe.subarray(0, keyframe.length - 1)), 'H264_TRUNCATED');
    throwsCode(() => splitAvcc(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x65])), 'H264_TRUNCATED');
  });

  it(`caps a frame at ${MAX_NALUS_PER_FRAME} NAL units`, () => {
    const one = Buffer.from([0, 0, 0, 1, 0x41]);
    assert.equal(
      splitAvcc(Buffer.concat(Array.from({ length: MAX_NALUS_PER_FRAME }, () => one))).length,
      MAX_NALUS_PER_FRAME,
    );
    throwsCode(
      () => splitAvcc(Buffer.concat(Array.from({ length: MAX_NALUS_PER_FRAME + 1 }, () => one))),
      'H264_LIMIT',
    );
  });
});

describe('isKeyframe', () => {
  it('is true for the IDR frame and false for the P frame', () => {
    assert.equal(isKeyframe(keyframe), true);
    assert.equal(isKeyframe(pframe), false);
    assert.deepEqual(splitAvcc(pframe).map(nalType), [NalUnitType.Slice]);
  });

  it('an SPS alone is not a key frame', () => {
    assert.equal(isKeyframe(joinAvcc([sps, pps])), false);
  });
});

describe('Annex B', () => {
  it("splits ffmpeg's h264_mp4toannexb output (3 and 4-byte start codes)", () => {
    const nals = splitAnnexB(ffmpegAnnexB);
    assert.deepEqual(nals.map(nalType), [NalUnitType.SEI, NalUnitType.SPS, NalUnitType.PPS, NalUnitType.IDR]);
    assert.deepEqual(nals[1], sps);
    assert.deepEqual(nals[2], pps);
    const fromMp4 = splitAvcc(keyframe);
    assert.deepEqual(nals[0], fromMp4[0]);
    assert.deepEqual(nals[3], fromMp4[1]);
  });

  it('annexBToAvcc gives the MP4 sample back with the in-band SPS/PPS added', () => {
    const [sei, idr] = splitAvcc(keyframe);
    assert.ok(sei && idr);
    assert.deepEqual(annexBToAvcc(ffmpegAnnexB), joinAvcc([sei, sps, pps, idr]));
  });

  it('avccToAnnexB writes 4-byte start codes and round-trips', () => {
    const annexB = avccToAnnexB(keyframe);
    assert.equal(annexB.length, keyframe.length);
    assert.deepEqual(annexB.subarray(0, 5), Buffer.from([0, 0, 0, 1, 0x06]));
    assert.deepEqual(annexBToAvcc(annexB), keyframe);
    assert.deepEqual(avccToAnnexB(Buffer.from([2, 0x65, 9]), 1), Buffer.from([0, 0, 0, 1, 0x65, 9]));
  });

  it('leading zeros, trailing zeros and empty NAL units are dropped', () => {
    const stream = Buffer.from([0, 0, 0, 0, 0, 1, 0x67, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0x68, 2, 0, 0]);
    assert.deepEqual(splitAnnexB(stream), [Buffer.from([0x67, 1]), Buffer.from([0x68, 2])]);
    assert.deepEqual(splitAnnexB(Buffer.alloc(0)), []);
    assert.deepEqual(splitAnnexB(Buffer.alloc(7)), []);
    assert.deepEqual(splitAnnexB(Buffer.from([0, 0, 1])), []);
  });

  it('rejects data before the first start code and streams without one', () => {
    throwsCode(() => splitAnnexB(Buffer.from([9, 0, 0, 1, 0x65])), 'H264_BAD_NALU');
    throwsCode(() => splitAnnexB(Buffer.from([0x65, 1, 2])), 'H264_BAD_NALU');
    throwsCode(() => annexBToAvcc(Buffer.from([0, 0, 2, 0x65])), 'H264_BAD_NALU');
  });

  it(`caps a stream at ${MAX_NALUS_PER_FRAME} NAL units`, () => {
    const one = Buffer.from([0, 0, 1, 0x41]);
    throwsCode(
      () => splitAnnexB(Buffer.concat(Array.from({ length: MAX_NALUS_PER_FRAME + 1 }, () => one))),
      'H264_LIMIT',
    );
    throwsCode(() => joinAvcc(Array.from({ length: MAX_NALUS_PER_FRAME + 1 }, () => one)), 'H264_LIMIT');
  });
});

describe('nalType', () => {
  it('reads the low 5 bits and rejects an empty unit', () => {
    assert.equal(nalType(Buffer.from([0x67])), NalUnitType.SPS);
    assert.equal(nalType(Buffer.from([0x7c])), NalUnitType.FUA);
    throwsCode(() => nalType(Buffer.alloc(0)), 'H264_BAD_NALU');
  });
});
