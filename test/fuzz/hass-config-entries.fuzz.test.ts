import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HassStorageError, parseConfigEntries } from '../../addon/src/pkg/hass/index.js';
import { Prng, flipBits, setBytes, splice, truncate } from './mutate.js';
import { describeStats, fuzzInputs, fuzzTargets } from './targets.js';

/**
 * Mutated `core.config_entries` texts (bytes, and JSON values swapped for other types): parseConfigEntries
 * returns cameras or throws HassStorageError, nothing else; every camera has a title and a URL.
 */
/** FUZZ_INPUTS for the long mode. */
const INPUTS = 5_000;
const seed = readFileSync(new URL('../unit/pkg/hass/fixtures/core.config_entries', import.meta.url));
const ODD_VALUES: unknown[] = [null, 0, -1, 1e308, '', 'x', [], {}, [null], { entries: 1 }, true];

function mutateJson(rng: Prng): string {
  const json = JSON.parse(seed.toString('utf8')) as { data: { entries: Array<Record<string, unknown>> } };
  const entry = rng.pick(json.data.entries);
  const key = rng.pick([...Object.keys(entry), 'data', 'options', 'title', 'domain']);
  const target =
    rng.below(2) && typeof entry[key] === 'object' && entry[key] !== null
      ? (entry[key] as Record<string, unknown>)
      : entry;
  const inner = rng.pick([...Object.keys(target), 'stream_source', 'AccessoryPort', 'iOSPairingId']);
  target[inner] = rng.pick(ODD_VALUES);
  return JSON.stringify(json);
}

describe('fuzz: pkg/hass', () => {
  it(`parseConfigEntries: corpus, then ${fuzzInputs(INPUTS)} mutated files, cameras or HassStorageError`, (t) => {
    let cameras = 0;
    const stats = fuzzTargets({
      parser: 'hass',
      seed: 0x68617373,
      ciInputs: INPUTS,
      typed: (e) => e instanceof HassStorageError,
      targets: [
        {
          name: 'parseConfigEntries',
          seeds: [seed],
          mutate: (rng) =>
            rng.below(2)
              ? Buffer.from(mutateJson(rng), 'utf8')
              : [flipBits, truncate, setBytes, splice][rng.below(4)]!(rng, seed),
          run: (input) => {
            for (const camera of parseConfigEntries(input.toString('utf8')).cameras) {
              assert.ok(camera.title !== '' && camera.url !== '', 'a camera without title or URL');
              cameras++;
            }
          },
        },
      ],
    });
    for (const [name, s] of stats)
      assert.ok(cameras > 0 && s.failed > 0, `${name}: ${cameras} cameras, ${s.failed} refused`);
    t.diagnostic(`${describeStats(stats)}; ${cameras} cameras`);
  });
});
