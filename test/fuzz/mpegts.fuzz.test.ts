import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adtsConfig, hvccParameterSets, MpegTsError, readTs, TsMuxer } from '../../addon/src/pkg/mpegts/index.js';
import { describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * Mutated MPEG-TS segments (as the muxer writes them), hvcC records and AudioSpecificConfigs: the readers may
 * accept or reject each one, but may only throw MpegTsError, and no call may hang.
 */

/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 8_000;
const SEED = 0x6d707473; // 'mpts'

function segment(): Buffer {
  const muxer = new TsMuxer(['H264', 'AAC']);
  const parts = [muxer.header()];
  for (let i = 0; i < 6; i++) {
    parts.push(muxer.write(0, { data: Buffer.alloc(i === 0 ? 900 : 120, i), pts: i * 3600, keyframe: i === 0 }));
    parts.push(muxer.write(1, { data: Buffer.alloc(60, 0x80 + i), pts: i * 1920 }));
  }
  return Buffer.concat(parts);
}

function hvcc(): Buffer {
  const nals = [
    Buffer.from([0x40, 0x01, 0x0c, 0x01]),
    Buffer.from([0x42, 0x01, 0x01, 0x01, 0x60]),
    Buffer.from([0x44, 0x01, 0xc1]),
  ];
  return Buffer.concat([
    Buffer.alloc(22, 0),
    Buffer.from([3]),
    ...nals.map((n) => Buffer.concat([Buffer.from([0xa0, 0, 1, 0, n.length]), n])),
  ]);
}

const targets: FuzzTarget[] = [
  {
    name: 'readTs',
    seeds: [segment(), new TsMuxer(['AAC']).header()],
    run: (input) => void readTs(input, { maxPesBytes: 64 * 1024 }),
  },
  { name: 'hvccParameterSets', seeds: [hvcc()], run: (input) => void hvccParameterSets(input) },
  {
    name: 'adtsConfig',
    seeds: [Buffer.from([0x12, 0x10]), Buffer.from([0x14, 0x08]), Buffer.from([0x2b, 0x11, 0x88, 0x00])],
    run: (input) => void adtsConfig(input),
  },
];

describe('mpegts fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated inputs per reader: only MpegTsError, no call hangs`, (t) => {
    const stats = fuzzTargets({
      parser: 'mpegts',
      seed: SEED,
      targets,
      ciInputs: INPUTS,
      typed: (e) => e instanceof MpegTsError,
    });
    for (const [name, s] of stats)
      assert.ok(
        s.ok + s.failed < 1000 || (s.ok > 10 && s.failed > 10),
        `${name}: ${s.ok} accepted, ${s.failed} rejected`,
      );
    t.diagnostic(describeStats(stats));
  });
});
