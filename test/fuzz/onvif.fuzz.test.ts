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
import { fuzzInputs } from './targets.js';

/**
 * Mutated ONVIF answers (the unit fixtures: capabilities, services, profiles, stream URI, faults, probe
 * matches) through every pkg/onvif reader: each returns or throws an OnvifError, never anything else, and no
 * call hangs. Inputs are counted; speed is not asserted.
 */
const ITERATIONS = fuzzInputs(6000);
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

describe('fuzz: pkg/onvif readers', () => {
  it(`${ITERATIONS} mutated answers through every reader`, () => {
    const rng = new Prng(0x6f6e7666);
    let parsed = 0;
    let typed = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = rng.pick(seeds);
      let text = mutateSeed(rng, seed).toString('utf8');
      if (rng.below(2) === 0) text = xmlMutation(rng, text);
      for (const [name, reader] of readers) {
        const { ms, error } = timed(() => reader(text));
        assert.ok(ms < HANG_MS, `iteration ${i}: ${name} took ${ms.toFixed(0)} ms`);
        if (error === undefined) parsed++;
        else if (error instanceof OnvifError) typed++;
        else throw new Error(`iteration ${i}: ${name} threw ${String(error)}`);
      }
    }
    assert.equal(parsed + typed, ITERATIONS * readers.length);
    assert.ok(parsed > ITERATIONS, `${parsed} answers read`);
    console.log(`onvif fuzz: ${ITERATIONS} inputs x ${readers.length} readers, ${parsed} read, ${typed} typed errors`);
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
