import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MultipartError, MultipartParser } from '../../addon/src/pkg/multipart/index.js';
import { Prng, flipBits, setBytes, splice, truncate } from './mutate.js';
import { fuzzInputs } from './targets.js';

/**
 * Mutated multipart bodies (ffmpeg's mpjpeg bytes and a camera-style body without Content-Length), fed in
 * random cuts: the parser returns parts or throws a MultipartError, never anything else, and never holds more
 * than its part cap plus one input.
 */
const ITERATIONS = fuzzInputs(20_000);
const MAX_PART = 64 * 1024;
const mpjpeg = readFileSync(new URL('../unit/pkg/multipart/fixtures/ffmpeg_mpjpeg_64x48_3frames.bin', import.meta.url));
const noLength = Buffer.concat([
  Buffer.from('--cam\r\nContent-Type: image/jpeg\r\n\r\n'), Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]),
  Buffer.from('\r\n--cam\r\nContent-Type: image/jpeg\r\n\r\n'), Buffer.from([0xff, 0xd8, 4, 5, 0xff, 0xd9]), Buffer.from('\r\n--cam\r\n'),
]);
const seeds = [mpjpeg, noLength];

describe('fuzz: pkg/multipart', () => {
  it(`parser survives ${ITERATIONS} mutated bodies in random cuts`, () => {
    const rng = new Prng(0x6d707274);
    let parts = 0;
    let typed = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = rng.pick(seeds);
      const input = [flipBits, truncate, setBytes, splice][rng.below(4)]!(rng, seed);
      const parser = new MultipartParser({ boundary: rng.below(2) ? 'ffmpeg' : undefined, maxPartBytes: MAX_PART, maxPreambleBytes: 4096 });
      try {
        let at = 0;
        while (at < input.length) {
          const cut = at + 1 + rng.below(input.length - at);
          parts += parser.push(input.subarray(at, cut)).length;
          at = cut;
          assert.ok(parser.pendingBytes <= MAX_PART + input.length, `iteration ${i}: held ${parser.pendingBytes}`);
        }
      } catch (err) {
        if (!(err instanceof MultipartError)) throw new Error(`iteration ${i}: ${String(err)}`, { cause: err });
        typed++;
      }
    }
    assert.ok(parts > ITERATIONS, `${parts} parts out of ${ITERATIONS} inputs`);
    console.log(`multipart fuzz: ${ITERATIONS} inputs, ${parts} parts, ${typed} typed errors`);
  });
});
