import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../custom_cards/src/config.js';
import { CardConfigError } from '../../../custom_cards/src/errors.js';

/**
 * Random card configs (the card's own key names with random values, nested at random) through parseConfig:
 * it returns a config or throws CardConfigError with a key path, nothing else. FUZZ_SEED reproduces a run;
 * FUZZ_CASES scales it.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed_ca7d);
const CASES = Number(process.env['FUZZ_CASES'] ?? 20_000);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  'type',
  'url',
  'entity',
  'streams',
  'mode',
  'media',
  'server',
  'title',
  'poster',
  'poster_remote',
  'muted',
  'intersection',
  'ui',
  'style',
  'background',
  'mse',
  'webrtc',
  'digital_ptz',
  'ptz',
  'shortcuts',
  'microphone_muted',
  'name',
  'icon',
  'service',
  'service_data',
  'more_info',
  'opacity',
  'data_left',
  'data_start_up',
  'persist',
  'mouse_wheel_zoom',
  'bogus',
];
const STRINGS = [
  '',
  'door',
  'webrtc,mse',
  'video,audio,microphone',
  'http://h:1984',
  'onvif.ptz',
  '${ states }',
  'x'.repeat(300),
  '\u0000',
  'mse,,',
  'camera.x',
];

describe('card config fuzz', () => {
  it(`${CASES} random configs: a config or a CardConfigError with a key`, () => {
    const random = rng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const value = (depth: number): unknown => {
      const r = random();
      if (r < 0.2) return pick(STRINGS);
      if (r < 0.3) return random() < 0.5;
      if (r < 0.4) return pick([0, 0.5, 1, 2, -1, Number.NaN, Number.POSITIVE_INFINITY, 1234]);
      if (r < 0.45) return null;
      if (depth > 3) return pick(STRINGS);
      if (r < 0.65) return Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) o[pick(KEYS)] = value(depth + 1);
      return o;
    };
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < CASES; i++) {
      const input: Record<string, unknown> = { type: 'custom:webrtc-camera' };
      if (random() < 0.7) input['url'] = pick(STRINGS);
      for (let k = Math.floor(random() * 4); k > 0; k--) input[pick(KEYS)] = value(0);
      try {
        const config = parseConfig(random() < 0.02 ? value(0) : input);
        assert.ok(config.streams.length > 0);
        accepted++;
      } catch (err) {
        if (!(err instanceof CardConfigError)) assert.fail(`case ${i}: ${String(err)} for ${JSON.stringify(input)}`);
        assert.equal(typeof err.key, 'string');
        refused++;
      }
    }
    assert.equal(accepted + refused, CASES);
    assert.ok(accepted > 0 && refused > 0, `accepted ${accepted}, refused ${refused}`);
  });
});
