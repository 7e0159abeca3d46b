import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  H264Error,
  annexBToAvcc,
  avccToAnnexB,
  buildAvcConfig,
  codecString,
  isKeyframe,
  parseAvcConfig,
  parseSps,
  splitAvcc,
} from '../../addon/src/pkg/h264/index.js';
import { describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * Mutated real H.264 bytes (the demo clip's frames, avcC and SPS, and x264 SPS of other
 * profiles) through every parser: each may accept or reject, but only with H264Error.
 */

/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 8_000;
const SEED = 0x68323634; // 'h264'

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../unit/pkg/h264/fixtures/${name}`, import.meta.url));
}

/** A frame cut to `keep` bytes of its last NAL unit, with that unit's length patched to match. */
function shortFrame(frame: Buffer, lastAt: number, keep: number): Buffer {
  const out = Buffer.from(frame.subarray(0, lastAt + 4 + keep));
  out.writeUInt32BE(keep, lastAt);
  return out;
}

// Cut short to keep the per-input copies cheap; the NAL structure stays valid.
const frames = [
  shortFrame(fixture('demo_keyframe.avcc'), 4 + 689, 300),
  shortFrame(fixture('demo_pframe.avcc'), 0, 400),
];
const annexB = [fixture('demo_keyframe_ffmpeg.h264').subarray(0, 1200)];
const configs = [fixture('demo_avcC.bin')];
const spss = [
  'demo_sps.bin',
  'x264_baseline_642x362.sps',
  'x264_high10_640x360.sps',
  'x264_high422_640x480.sps',
  'x264_high444_321x241.sps',
  'x264_high_1920x1080.sps',
  'x264_interlaced_1920x1080.sps',
].map(fixture);

const targets: FuzzTarget[] = [
  {
    name: 'splitAvcc/isKeyframe/avccToAnnexB',
    seeds: frames,
    run: (input, rng) => {
      const size = rng.below(4) === 0 ? 1 + rng.below(3) : 4;
      splitAvcc(input, size);
      isKeyframe(input, size);
      annexBToAvcc(avccToAnnexB(input, size));
    },
  },
  { name: 'splitAnnexB/annexBToAvcc', seeds: annexB, run: (input) => void splitAvcc(annexBToAvcc(input)).length },
  {
    name: 'parseAvcConfig/buildAvcConfig',
    seeds: configs,
    run: (input) => {
      const cfg = parseAvcConfig(input);
      buildAvcConfig({ sps: cfg.sps, pps: cfg.pps });
    },
  },
  {
    name: 'parseSps/codecString',
    seeds: spss,
    run: (input) => {
      codecString(input);
      parseSps(input);
    },
  },
];

describe('h264 fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated inputs per target: only H264Error, no call hangs`, (t) => {
    const stats = fuzzTargets({
      parser: 'h264',
      seed: SEED,
      targets,
      ciInputs: INPUTS,
      typed: (e) => e instanceof H264Error,
    });
    for (const [name, s] of stats)
      assert.ok(
        s.ok + s.failed < 1000 || (s.ok > 10 && s.failed > 10),
        `${name}: ${s.ok} accepted, ${s.failed} rejected`,
      );
    t.diagnostic(describeStats(stats));
  });
});
