/**
 * The loop the byte-parser fuzz files share: a committed corpus replayed first, then mutated seeds.
 *
 * - How many mutated inputs: the file's CI size, or `FUZZ_INPUTS` for the long mode run by hand
 *   (`FUZZ_INPUTS=1000000 nice -n 15 node scripts/run-tests.mjs test/fuzz/mpegts.fuzz.test.ts`).
 * - The corpus, as gortsplib keeps `testdata/fuzz`: `test/fuzz/corpus/<parser>/<target>/<name>` holds raw
 *   input bytes, every one replayed on every run. An input that fails (throws an untyped error or hangs) is
 *   written there before the assertion fails, so a crash found by a long run becomes a regression fixture
 *   by committing the file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HANG_MS, Prng, mutateSeed, timed } from './mutate.js';

export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));

/** The file's CI size unless `FUZZ_INPUTS` asks for more (or fewer). */
export function fuzzInputs(ciInputs: number): number {
  const env = process.env['FUZZ_INPUTS'];
  const n = env === undefined || env === '' ? ciInputs : Number(env);
  if (!Number.isInteger(n) || n < 0) throw new Error(`FUZZ_INPUTS must be a count, not ${env}`);
  return n;
}

export interface FuzzTarget {
  /** Also the corpus folder's name under the parser's. */
  readonly name: string;
  readonly seeds: readonly Buffer[];
  run(input: Buffer, rng: Prng): void;
}

export interface FuzzRun {
  /** Corpus folder name: `test/fuzz/corpus/<parser>/`. */
  readonly parser: string;
  readonly seed: number;
  readonly targets: readonly FuzzTarget[];
  /** Mutated inputs per target in CI; `FUZZ_INPUTS` overrides. */
  readonly ciInputs: number;
  /** The parser's own error class: the only thing a parser may throw. */
  typed(error: unknown): boolean;
}

export interface TargetStats {
  ok: number;
  failed: number;
  corpus: number;
}

const slug = (name: string): string => name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');

/** The corpus inputs of one target, by file name. */
export function corpusOf(parser: string, target: string): Array<{ file: string; input: Buffer }> {
  const dir = `${CORPUS_DIR}${parser}/${slug(target)}`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((file) => ({ file: `${dir}/${file}`, input: readFileSync(`${dir}/${file}`) }));
}

/** Writes a failing input into the corpus (named by its hash, so the same crash is kept once); returns the path. */
export function keepCrasher(parser: string, target: string, input: Buffer): string {
  const dir = `${CORPUS_DIR}${parser}/${slug(target)}`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/crash-${createHash('sha1').update(input).digest('hex').slice(0, 16)}`;
  writeFileSync(file, input);
  return file;
}

/**
 * One input through one target: a call that hangs or throws anything but the parser's typed error is
 * kept in the corpus and fails the test. A slow call is timed once more (a GC pause can land anywhere).
 */
function check(run: FuzzRun, target: FuzzTarget, input: Buffer, rng: Prng, what: string): boolean {
  let call = timed(() => target.run(input, rng));
  if (call.ms >= HANG_MS) call = timed(() => target.run(input, rng));
  const bad = call.ms >= HANG_MS ? `took ${call.ms.toFixed(0)} ms` : call.error !== undefined && !run.typed(call.error) ? `threw ${String(call.error)}` : '';
  if (bad !== '') {
    const kept = keepCrasher(run.parser, target.name, input);
    assert.fail(`${run.parser}/${target.name} ${what} ${bad}; input kept in ${kept}`);
  }
  return call.error === undefined;
}

/** Replays the corpus, then `fuzzInputs(ciInputs)` mutated inputs per target; returns counts per target. */
export function fuzzTargets(run: FuzzRun): Map<string, TargetStats> {
  const rng = new Prng(run.seed);
  const n = fuzzInputs(run.ciInputs);
  const stats = new Map<string, TargetStats>();
  for (const target of run.targets) {
    const s: TargetStats = { ok: 0, failed: 0, corpus: 0 };
    stats.set(target.name, s);
    for (const { file, input } of corpusOf(run.parser, target.name)) {
      check(run, target, input, rng, `corpus ${file}`);
      s.corpus++;
    }
    for (let i = 0; i < n; i++) {
      const input = mutateSeed(rng, rng.pick(target.seeds));
      if (check(run, target, input, rng, `input ${i}`)) s.ok++;
      else s.failed++;
    }
  }
  return stats;
}

/** `name ok/failed (+corpus)` for the test's diagnostic line. */
export function describeStats(stats: Map<string, TargetStats>): string {
  return [...stats].map(([name, s]) => `${name} ${s.ok}/${s.failed}${s.corpus > 0 ? ` +${s.corpus} corpus` : ''}`).join('; ');
}
