import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  OnvifError,
  parseDeviceInformation,
  parseFault,
  parseMediaXAddr,
  parseProbeMatches,
  parseProfiles,
  parseServicesMediaXAddr,
  parseStreamUri,
} from '../../addon/src/pkg/onvif/index.js';
import { HANG_MS, Prng, mutateSeed, timed } from './mutate.js';
import { describeStats, fuzzInputs, fuzzTargets, type FuzzTarget } from './targets.js';

/**
 * Mutated ONVIF answers (the unit fixtures: capabilities, services, profiles, stream URI, faults, probe
 * matches) through every pkg/onvif reader: each returns or throws an OnvifError, never anything else, and no
 * call hangs. Inputs are counted; speed is not asserted.
 */
/** Per reader; FUZZ_INPUTS for the long mode. */
const INPUTS = 4_000;
const dir = new URL('../unit/pkg/onvif/fixtures/', import.meta.url);
const seeds = readdirSync(dir).map((name) => readFileSync(new URL(name, dir)));
const readers: Array<[string, (xml: string) => unknown]> = [
  ['parseFault', parseFault],
  ['parseProfiles', parseProfiles],
  ['parseMediaXAddr', parseMediaXAddr],
  ['parseServicesMediaXAddr', parseServicesMediaXAddr],
  ['parseStreamUri', parseStreamUri],
  ['parseProbeMatches', parseProbeMatches],
  ['parseDeviceInformation', parseDeviceInformation],
];

/** XML-aware damage on top of the byte mutations: tags cut, duplicated or left open. */
function xmlMutation(rng: Prng, text: string): string {
  const at = rng.below(text.length + 1);
  switch (rng.below(4)) {
    case 0:
      return text.slice(0, at) + '<' + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at).replace(/<\/[^>]*>/, '');
    case 2: {
      const open = text.indexOf('<', at);
      return open < 0 ? text : text.slice(0, open) + text.slice(open, open + 200) + text.slice(open);
    }
    default:
      return text.slice(0, at) + '&#x110000;&amp' + text.slice(at);
  }
}

const targets = readers.map(([name, reader]): FuzzTarget => ({
  name,
  seeds,
  mutate: (rng, seed) => {
    const text = mutateSeed(rng, seed).toString('utf8');
    return Buffer.from(rng.below(2) === 0 ? xmlMutation(rng, text) : text, 'utf8');
  },
  run: (input) => void reader(input.toString('utf8')),
}));

describe('fuzz: pkg/onvif readers', () => {
  it(`corpus, then ${fuzzInputs(INPUTS)} mutated answers per reader: only OnvifError, no call hangs`, (t) => {
    const stats = fuzzTargets({
      parser: 'onvif',
      seed: 0x6f6e7666,
      targets,
      ciInputs: INPUTS,
      typed: (e) => e instanceof OnvifError,
    });
    for (const [name, s] of stats)
      assert.ok(s.ok > 0 && s.ok + s.failed >= fuzzInputs(INPUTS), `${name}: ${s.ok} read, ${s.failed} refused`);
    t.diagnostic(describeStats(stats));
  });

  it('deep nesting and many open tags stay linear enough not to hang', () => {
    const deep = '<Profiles token="a">'.repeat(20_000) + '</Profiles>'.repeat(20_000);
    const open = '<Fault><Code><Subcode>'.repeat(30_000);
    for (const text of [deep, open]) {
      for (const [name, reader] of readers) {
        const { ms, error } = timed(() => reader(text));
        assert.ok(ms < HANG_MS, `${name} took ${ms.toFixed(0)} ms`);
        assert.ok(error === undefined || error instanceof OnvifError, `${name} threw ${String(error)}`);
      }
    }
  });
});
