import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SdpError, buildSdp, parseSdp, sdpToMedias } from '../../addon/src/pkg/sdp/index.js';
import { Prng, flipBits, setBytes, splice, truncate } from './mutate.js';
import { assertBothOutcomes, describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * Mutated real and camera-style SDPs through parseSdp and sdpToMedias: only SdpError, no call hangs, and
 * what parses survives buildSdp/parseSdp unchanged (the same text and tracks).
 */

/** Per target; FUZZ_INPUTS for the long mode. */
const INPUTS = 5_000;
const SEED = 0x73647020; // 'sdp '

const folder = new URL('../unit/pkg/sdp/fixtures/', import.meta.url);
const seeds = readdirSync(folder)
  .filter((n) => n.endsWith('.sdp'))
  .map((n) => readFileSync(new URL(n, folder)));

/** Line-level mutations find more than bit flips in a text format. */
function mutateLines(rng: Prng, seed: Buffer): Buffer {
  const lines = seed.toString('latin1').split(/\r?\n/);
  const at = rng.below(lines.length);
  switch (rng.below(5)) {
    case 0:
      lines.splice(at, 1);
      break;
    case 1:
      lines.splice(at, 0, lines[rng.below(lines.length)] ?? '');
      break;
    case 2:
      lines[at] =
        `${rng.pick(['m=', 'a=rtpmap:', 'a=fmtp:', 'a=control:', 'c=', 'o=', 's=', 'a=sendonly', 'b=', 't='])}${rng.bytes(rng.below(24)).toString('latin1')}`;
      break;
    case 3:
      lines[at] = (lines[at] ?? '').replace(/\d+/, String(rng.pick([0, 8, 26, 96, 127, 128, 65535, 4294967296])));
      break;
    default:
      lines.reverse();
  }
  return Buffer.from(lines.join(rng.below(2) === 0 ? '\r\n' : '\n'), 'latin1');
}

function mutate(rng: Prng, seed: Buffer): Buffer {
  switch (rng.below(7)) {
    case 6:
      return rng.bytes(rng.below(48));
    case 0:
    case 1:
      return mutateLines(rng, seed);
    case 2:
      return flipBits(rng, seed);
    case 3:
      return setBytes(rng, seed);
    case 4:
      return truncate(rng, seed);
    default:
      return splice(rng, seed);
  }
}

let tracks = 0;

const target: FuzzTarget = {
  name: 'parseSdp/sdpToMedias/buildSdp',
  seeds,
  mutate,
  run: (input, rng) => {
    const session = parseSdp(input);
    const found = sdpToMedias(session);
    tracks += found.length;
    const text = buildSdp(session);
    // The round trip costs as much as the parse: check it on every fourth input.
    if (rng.below(4) !== 0) return;
    const again = parseSdp(text);
    assert.equal(buildSdp(again), text, 'the description changed through build/parse');
    assert.equal(JSON.stringify(sdpToMedias(again)), JSON.stringify(found), 'tracks changed through build/parse');
  },
};

describe('sdp fuzz', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated descriptions: only SdpError, stable through build/parse, no call hangs`, (t) => {
    const stats = fuzzTargets({
      parser: 'sdp',
      seed: SEED,
      targets: [target],
      ciInputs: INPUTS,
      typed: (e) => e instanceof SdpError,
    });
    assertBothOutcomes(stats);
    for (const [name, s] of stats) assert.ok(s.ok > s.failed, `${name}: ${s.ok} parsed, ${s.failed} rejected`);
    t.diagnostic(`${describeStats(stats)}; ${tracks} tracks`);
  });
});
