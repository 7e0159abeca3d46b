import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConfig } from '../../addon/src/modules/api/config-check.js';
import { HANG_MS, mutateSeed, Prng, timed } from './mutate.js';
import { fuzzInputs } from './targets.js';

/**
 * Mutated configs through the config editor's check (`POST /api/config?check=1`): it must answer for every
 * input (never throw), every problem must point inside the text, and a text it calls valid must have no
 * errors. FUZZ_SEED reproduces a run; FUZZ_CASES scales it.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x51c0ffee);
const CASES = fuzzInputs(Number(process.env['FUZZ_CASES'] ?? 5000));
const SCHEMES = ['rtsp', 'rtsps', 'ffmpeg', 'exec', 'echo', 'demo', 'http', 'https'];

const SEEDS = [
  'api:\n  listen: ":1984"\nrtsp:\n  listen: ":8554"\nstreams:\n  cam: rtsp://admin:pw@10.0.0.2/live\n  two:\n    - rtsp://b/1\n    - ffmpeg:two#audio=opus\n  empty: ""\n',
  'webrtc:\n  candidates: [192.168.1.10:8555, stun:8555]\n  ice_servers:\n    - urls: [stun:stun.l.google.com:19302]\n  filters:\n    networks: [udp4, tcp4]\n    udp_ports: [50000, 50100]\nlog:\n  level: debug\n  rtsp: trace\n',
  'streams:\n  "camera.hall": [rtsp://a, "bogus://x", 12]\n  b: {x: 1}\nhomekit:\n  cam: {pin: 12345678, pairings: [a]}\n',
  'env:\n  PASS: secret\nstreams:\n  c: rtsp://u:${PASS}@h/1\n  d: ${MISSING}\n',
];

describe(`config check fuzz (seed ${SEED})`, () => {
  it(`checks ${CASES} mutated configs: always an answer, problems inside the text`, () => {
    const rng = new Prng(SEED);
    let valid = 0;
    let invalid = 0;
    for (let i = 0; i < CASES; i++) {
      const seed = Buffer.from(SEEDS[rng.below(SEEDS.length)] ?? '');
      let input: Buffer = seed;
      for (let n = rng.below(3); n >= 0; n--) input = mutateSeed(rng, input);
      const text = input.toString('utf8');
      let report: ReturnType<typeof checkConfig> | undefined;
      const { ms, error } = timed(() => {
        report = checkConfig(text, SCHEMES);
      });
      assert.equal(error, undefined, `threw for ${JSON.stringify(text)}: ${String(error)}`);
      assert.ok(ms < HANG_MS, `${ms.toFixed(0)} ms for ${JSON.stringify(text)}`);
      assert.ok(report);
      const lines = text.split('\n').length;
      for (const p of [...report.errors, ...report.warnings]) {
        if (p.line === undefined) continue;
        assert.ok(p.line >= 1 && p.line <= lines, `line ${p.line} of ${lines}: ${JSON.stringify(p)}`);
        assert.ok((p.column ?? 0) >= 1);
      }
      assert.equal(report.valid, report.errors.length === 0);
      if (report.valid) valid++;
      else invalid++;
    }
    assert.ok(valid > CASES / 50 && invalid > CASES / 50, `valid=${valid} invalid=${invalid}`);
  });
});
