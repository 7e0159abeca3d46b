import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MultipartError, MultipartParser } from '../../addon/src/pkg/multipart/index.js';
import { flipBits, setBytes, splice, truncate } from './mutate.js';
import { describeStats, fuzzInputs, fuzzTargets } from './targets.js';

/**
 * Mutated multipart bodies (ffmpeg's mpjpeg bytes and a camera-style body without Content-Length), fed in
 * random cuts: the parser returns parts or throws a MultipartError, never anything else, and never holds more
 * than its part cap plus one input.
 */
/** FUZZ_INPUTS for the long mode. */
const INPUTS = 20_000;
const MAX_PART = 64 * 1024;
const mpjpeg = readFileSync(new URL('../unit/pkg/multipart/fixtures/ffmpeg_mpjpeg_64x48_3frames.bin', import.meta.url));
const noLength = Buffer.concat([
  Buffer.from('--cam\r\nContent-Type: image/jpeg\r\n\r\n'),
  Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]),
  Buffer.from('\r\n--cam\r\nContent-Type: image/jpeg\r\n\r\n'),
  Buffer.from([0xff, 0xd8, 4, 5, 0xff, 0xd9]),
  Buffer.from('\r\n--cam\r\n'),
]);
const seeds = [mpjpeg, noLength];

describe('fuzz: pkg/multipart', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated bodies in random cuts: parts or MultipartError, memory within the cap`, (t) => {
    let parts = 0;
    const stats = fuzzTargets({
      parser: 'multipart',
      seed: 0x6d707274,
      ciInputs: INPUTS,
      typed: (e) => e instanceof MultipartError,
      targets: [
        {
          name: 'MultipartParser',
          seeds,
          mutate: (rng, seed) => [flipBits, truncate, setBytes, splice][rng.below(4)]!(rng, seed),
          run: (input, rng) => {
            const parser = new MultipartParser({
              boundary: rng.below(2) ? 'ffmpeg' : undefined,
              maxPartBytes: MAX_PART,
              maxPreambleBytes: 4096,
            });
            let at = 0;
            while (at < input.length) {
              const cut = at + 1 + rng.below(input.length - at);
              parts += parser.push(input.subarray(at, cut)).length;
              at = cut;
              assert.ok(parser.pendingBytes <= MAX_PART + input.length, `held ${parser.pendingBytes}`);
            }
          },
        },
      ],
    });
    for (const [name, s] of stats)
      assert.ok(parts > s.ok + s.failed, `${name}: ${parts} parts out of ${s.ok + s.failed} inputs`);
    t.diagnostic(`${describeStats(stats)}; ${parts} parts`);
  });
});
