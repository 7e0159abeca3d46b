import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNgrokLine, tcpPublicAddress } from '../../../../addon/src/modules/ngrok/index.js';
import { HANG_MS, Prng, mutateSeed, timed } from '../../../fuzz/mutate.js';

/**
 * Mutated agent log lines (the JSON lines fake_ngrok and the real agent print, an ERROR: line): the parser
 * never throws and always answers one of its three kinds; no call hangs. Inputs are counted.
 */
const ITERATIONS = 5000;
const seeds = [
  '{"addr":"//localhost:8555","lvl":"info","msg":"started tunnel","name":"command_line","obj":"tunnels","t":"2026-12-06T07:05:17.123Z","url":"tcp://0.tcp.eu.ngrok.io:12345"}',
  '{"t":"2026-09-12T20:25:17+0200","lvl":"info","msg":"started tunnel","obj":"tunnels","name":"api","addr":{"Scheme":"http","Host":"127.0.0.1:1984"},"url":"https://ab12.ngrok-free.app"}',
  '{"err":"authentication failed: ERR_NGROK_105","lvl":"eror","msg":"session closing","obj":"tunnels.session","t":"2026-12-06T07:05:17Z"}',
  'ERROR:  authentication failed: Your authtoken: abc',
].map((line) => Buffer.from(line));

describe('fuzz: ngrok log lines', () => {
  it(`${ITERATIONS} mutated lines`, () => {
    const rng = new Prng(0x6e67726b);
    const kinds = { tunnel: 0, error: 0, log: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const line = mutateSeed(rng, rng.pick(seeds)).toString('utf8');
      let kind: keyof typeof kinds = 'log';
      const { ms, error } = timed(() => {
        const event = parseNgrokLine(line);
        kind = event.kind;
        if (event.kind === 'tunnel') tcpPublicAddress(event.url);
      });
      assert.ok(ms < HANG_MS, `iteration ${i}: ${ms.toFixed(0)} ms`);
      assert.equal(error, undefined, `iteration ${i}: threw ${String(error)}`);
      kinds[kind]++;
    }
    assert.equal(kinds.tunnel + kinds.error + kinds.log, ITERATIONS);
    assert.ok(kinds.tunnel > 0 && kinds.error > 0 && kinds.log > 0, JSON.stringify(kinds));
    console.log(`ngrok log fuzz: ${ITERATIONS} lines, ${JSON.stringify(kinds)}`);
  });
});
