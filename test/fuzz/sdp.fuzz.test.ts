import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SdpError, buildSdp, parseSdp, sdpToMedias } from '../../addon/src/pkg/sdp/index.js';
import { Prng, flipBits, setBytes, splice, timed, truncate, HANG_MS } from './mutate.js';
import { fuzzInputs } from './targets.js';

/**
 * Mutated real and camera-style SDPs through parseSdp and sdpToMedias: only SdpError, each call under
 * 50 ms, and what parses survives buildSdp/parseSdp unchanged (the same text and tracks).
 */

const ITERATIONS = fuzzInputs(100_000);
const MAX_CALL_MS = HANG_MS;
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
      lines[at] = `${rng.pick(['m=', 'a=rtpmap:', 'a=fmtp:', 'a=control:', 'c=', 'o=', 's=', 'a=sendonly', 'b=', 't='])}${rng.bytes(rng.below(24)).toString('latin1')}`;
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

describe('sdp fuzz', () => {
  it(`${ITERATIONS} mutated descriptions: only SdpError, stable through build/parse, no call hangs`, (t) => {
    const rng = new Prng(SEED);
    let ok = 0;
    let failed = 0;
    let tracks = 0;
    let slowest = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutate(rng, rng.pick(seeds));
      const run = () => {
        const session = parseSdp(input);
        const found = sdpToMedias(session);
        tracks += found.length;
        const text = buildSdp(session);
        // The round trip costs as much as the parse: check it on every fourth input.
        if (i % 4 !== 0) return;
        const again = parseSdp(text);
        assert.equal(buildSdp(again), text, `iteration ${i}: the description changed through build/parse`);
        assert.equal(JSON.stringify(sdpToMedias(again)), JSON.stringify(found), `iteration ${i}: tracks changed through build/parse`);
      };
      let result = timed(run);
      if (result.ms >= MAX_CALL_MS) result = timed(run);
      slowest = Math.max(slowest, result.ms);
      assert.ok(result.ms < MAX_CALL_MS, `iteration ${i} took ${result.ms.toFixed(1)} ms`);
      if (result.error !== undefined) {
        assert.ok(result.error instanceof SdpError, `iteration ${i} threw ${String(result.error)}`);
        failed++;
      } else {
        ok++;
      }
    }
    assert.ok(ok > 50_000 && failed > 100, `${ok} parsed, ${failed} rejected`);
    t.diagnostic(`slowest ${slowest.toFixed(2)} ms; ${ok} parsed (${tracks} tracks), ${failed} rejected`);
  });
});
