import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HassStorageError, parseConfigEntries } from '../../addon/src/pkg/hass/index.js';
import { Prng, flipBits, setBytes, splice, truncate } from './mutate.js';
import { fuzzInputs } from './targets.js';

/**
 * Mutated `core.config_entries` texts (bytes, and JSON values swapped for other types): parseConfigEntries
 * returns cameras or throws HassStorageError, nothing else; every camera has a title and a URL.
 */
const ITERATIONS = fuzzInputs(10_000);
const seed = readFileSync(new URL('../unit/pkg/hass/fixtures/core.config_entries', import.meta.url));
const ODD_VALUES: unknown[] = [null, 0, -1, 1e308, '', 'x', [], {}, [null], { entries: 1 }, true];

function mutateJson(rng: Prng): string {
  const json = JSON.parse(seed.toString('utf8')) as { data: { entries: Array<Record<string, unknown>> } };
  const entry = rng.pick(json.data.entries);
  const key = rng.pick([...Object.keys(entry), 'data', 'options', 'title', 'domain']);
  const target = rng.below(2) && typeof entry[key] === 'object' && entry[key] !== null ? (entry[key] as Record<string, unknown>) : entry;
  const inner = rng.pick([...Object.keys(target), 'stream_source', 'AccessoryPort', 'iOSPairingId']);
  target[inner] = rng.pick(ODD_VALUES);
  return JSON.stringify(json);
}

describe('fuzz: pkg/hass', () => {
  it(`parseConfigEntries survives ${ITERATIONS} mutated files`, () => {
    const rng = new Prng(0x68617373);
    let cameras = 0;
    let typed = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const text = rng.below(2) ? mutateJson(rng) : [flipBits, truncate, setBytes, splice][rng.below(4)]!(rng, seed).toString('utf8');
      try {
        for (const camera of parseConfigEntries(text).cameras) {
          assert.ok(camera.title !== '' && camera.url !== '', `iteration ${i}`);
          cameras++;
        }
      } catch (err) {
        if (!(err instanceof HassStorageError)) throw new Error(`iteration ${i}: ${String(err)}`, { cause: err });
        typed++;
      }
    }
    console.log(`hass fuzz: ${ITERATIONS} files, ${cameras} cameras, ${typed} typed errors`);
    assert.ok(cameras > 0 && typed > 0);
  });
});
