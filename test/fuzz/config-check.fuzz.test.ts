import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConfig } from '../../addon/src/modules/api/config-check.js';
import { mutateSeed } from './mutate.js';
import { describeStats, fuzzInputs, fuzzTargets } from './targets.js';

/**
 * Mutated configs through the config editor's check (`POST /api/config?check=1`): it must answer for every
 * input (never throw), every problem must point inside the text, and a text it calls valid must have no
 * errors. FUZZ_SEED changes the run's inputs.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x51c0ffee);
/** FUZZ_INPUTS for the long mode. */
const INPUTS = 1_500;
const SCHEMES = ['rtsp', 'rtsps', 'ffmpeg', 'exec', 'echo', 'demo', 'http', 'https'];

const SEEDS = [
  'api:\n  listen: ":1984"\nrtsp:\n  listen: ":8554"\nstreams:\n  cam: rtsp://admin:pw@10.0.0.2/live\n  two:\n    - rtsp://b/1\n    - ffmpeg:two#audio=opus\n  empty: ""\n',
  'webrtc:\n  candidates: [192.168.1.10:8555, stun:8555]\n  ice_servers:\n    - urls: [stun:stun.l.google.com:19302]\n  filters:\n    networks: [udp4, tcp4]\n    udp_ports: [50000, 50100]\nlog:\n  level: debug\n  rtsp: trace\n',
  'streams:\n  "camera.hall": [rtsp://a, "bogus://x", 12]\n  b: {x: 1}\nhomekit:\n  cam: {pin: 12345678, pairings: [a]}\n',
  'env:\n  PASS: secret\nstreams:\n  c: rtsp://u:${PASS}@h/1\n  d: ${MISSING}\n',
];

describe(`config check fuzz (seed ${SEED})`, () => {
  it(`checks the corpus, then ${fuzzInputs(INPUTS)} mutated configs: always an answer, problems inside the text`, (t) => {
    let valid = 0;
    let invalid = 0;
    const stats = fuzzTargets({
      parser: 'config-check',
      seed: SEED,
      ciInputs: INPUTS,
      // The check answers for every text: nothing may be thrown.
      typed: () => false,
      targets: [
        {
          name: 'checkConfig',
          seeds: SEEDS.map((text) => Buffer.from(text)),
          mutate: (rng, seed) => {
            let input = seed;
            for (let n = rng.below(3); n >= 0; n--) input = mutateSeed(rng, input);
            return input;
          },
          run: (input) => {
            const text = input.toString('utf8');
            const report = checkConfig(text, SCHEMES);
            const lines = text.split('\n').length;
            for (const p of [...report.errors, ...report.warnings]) {
              if (p.line === undefined) continue;
              assert.ok(p.line >= 1 && p.line <= lines, `line ${p.line} of ${lines}: ${JSON.stringify(p)}`);
              assert.ok((p.column ?? 0) >= 1);
            }
            assert.equal(report.valid, report.errors.length === 0);
            if (report.valid) valid++;
            else invalid++;
          },
        },
      ],
    });
    const n = valid + invalid;
    if (stats.size > 0) assert.ok(valid > n / 50 && invalid > n / 50, `valid=${valid} invalid=${invalid}`);
    t.diagnostic(`${describeStats(stats)}; ${valid} valid, ${invalid} invalid`);
  });
});
