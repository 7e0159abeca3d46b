import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseFragment, parseInitSegment, type FragmentedTrack } from '../../../../addon/src/modules/ivideon/index.js';
import { Mp4Error } from '../../../../addon/src/pkg/mp4/index.js';
import { HANG_MS, Prng, mutateSeed, timed } from '../../../fuzz/mutate.js';
import { splitFmp4 } from './split-fmp4.js';

/**
 * Mutated init segments and fragments (the ffmpeg fixture) through the Ivideon fMP4 readers: each returns or
 * throws an Mp4Error, nothing else, and no call hangs. Inputs are counted; speed is not asserted.
 */
const ITERATIONS = 4000;
const { init, fragments } = splitFmp4(
  readFileSync(new URL('./fixtures/ffmpeg_fmp4_64x48_5frames_gop3.mp4', import.meta.url)),
);
const tracks: FragmentedTrack[] = parseInitSegment(init);

describe('fuzz: ivideon fMP4 readers', () => {
  it(`${ITERATIONS} mutated init segments and fragments`, () => {
    const rng = new Prng(0x69766964);
    let read = 0;
    let typed = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const isInit = rng.below(4) === 0;
      const input = mutateSeed(rng, isInit ? init : rng.pick(fragments));
      const { ms, error } = timed(() => (isInit ? parseInitSegment(input) : parseFragment(input, tracks)));
      assert.ok(ms < HANG_MS, `iteration ${i}: ${ms.toFixed(0)} ms`);
      if (error === undefined) read++;
      else if (error instanceof Mp4Error) typed++;
      else throw new Error(`iteration ${i}: threw ${String(error)}`);
    }
    assert.equal(read + typed, ITERATIONS);
    assert.ok(read > ITERATIONS / 10, `${read} inputs read`);
    console.log(`ivideon fmp4 fuzz: ${ITERATIONS} inputs, ${read} read, ${typed} typed errors`);
  });
});
