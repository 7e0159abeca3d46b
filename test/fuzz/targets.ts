/**
 * The loop the byte-parser fuzz files share: a committed corpus replayed first, then mutated seeds.
 *
 * - How many mutated inputs: the file's CI size, or `FUZZ_INPUTS` for the long mode run by hand
 *   (`FUZZ_INPUTS=1000000 nice -n 15 node scripts/run-tests.mjs test/fuzz/mpegts.fuzz.test.ts`);
 *   `FUZZ_TARGETS=a,b` runs only the targets whose `parser/name` contains one of the words (see README.md).
 * - `run` gets a PRNG seeded from the input itself (for cuts, sizes, options), so a kept input replays
 *   exactly as it failed.
 * - The corpus, as gortsplib keeps `testdata/fuzz`: `test/fuzz/corpus/<parser>/<target>/<name>` holds raw
 *   input bytes, every one replayed on every run. An input that fails (throws an untyped error or hangs) is
 *   written there before the assertion fails, so a crash found by a long run becomes a regression fixture
 *   by committing the file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
  /** Defaults to `mutateSeed`: formats with structure (text lines, packet sequences, XML) bring their own. */
  readonly mutate?: (rng: Prng, seed: Buffer) => Buffer;
  /** The CI size of this target when it differs from the run's `ciInputs`; `FUZZ_INPUTS` overrides both. */
  readonly ciInputs?: number;
  /** Throws the parser's typed error or nothing; anything else (an assertion included) is a failure. */
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
  /** Wall time of the target (corpus and mutated inputs), for the long-run table. */
  ms: number;
}

/** `FUZZ_TARGETS`: comma-separated words, a target runs when its `parser/name` contains one. */
function selected(parser: string, target: string): boolean {
  const env = process.env['FUZZ_TARGETS'];
  if (env === undefined || env.trim() === '') return true;
  return env.split(',').some((word) => word.trim() !== '' && `${parser}/${target}`.includes(word.trim()));
}

/**
 * `FUZZ_PROGRESS=<file>`: a line per 100k inputs and per finished target, appended as it happens (the test
 * runner prints a file's output only when the file ends, which is an hour into a long run).
 */
function progress(line: string): void {
  const file = process.env['FUZZ_PROGRESS'];
  if (file !== undefined && file !== '') appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}

/** FNV-1a over the input's length and its first and last 64 bytes: the seed of the PRNG `run` gets. */
function inputSeed(input: Buffer): number {
  let h = 0x811c9dc5 ^ input.length;
  const mix = (from: number, to: number) => {
    for (let i = from; i < to; i++) h = Math.imul(h ^ (input[i] ?? 0), 0x01000193);
  };
  mix(0, Math.min(64, input.length));
  mix(Math.max(64, input.length - 64), input.length);
  return h >>> 0;
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
function check(run: FuzzRun, target: FuzzTarget, input: Buffer, what: string): boolean {
  let call = timed(() => target.run(input, new Prng(inputSeed(input))));
  if (call.ms >= HANG_MS) call = timed(() => target.run(input, new Prng(inputSeed(input))));
  const bad =
    call.ms >= HANG_MS
      ? `took ${call.ms.toFixed(0)} ms`
      : call.error !== undefined && !run.typed(call.error)
        ? `threw ${String(call.error)}`
        : '';
  if (bad !== '') {
    const kept = keepCrasher(run.parser, target.name, input);
    assert.fail(`${run.parser}/${target.name} ${what} ${bad}; input kept in ${kept}`);
  }
  return call.error === undefined;
}

/**
 * Replays the corpus, then `fuzzInputs(ciInputs)` mutated inputs per target (each target from its own PRNG
 * seeded by the run's seed and its name, so filtering with `FUZZ_TARGETS` changes no target's inputs);
 * returns counts per target run.
 */
export function fuzzTargets(run: FuzzRun): Map<string, TargetStats> {
  const stats = new Map<string, TargetStats>();
  for (const target of run.targets) {
    if (!selected(run.parser, target.name)) continue;
    const rng = new Prng(run.seed ^ inputSeed(Buffer.from(target.name)));
    const n = fuzzInputs(target.ciInputs ?? run.ciInputs);
    const mutate = target.mutate ?? mutateSeed;
    const s: TargetStats = { ok: 0, failed: 0, corpus: 0, ms: 0 };
    stats.set(target.name, s);
    const t0 = performance.now();
    for (const { file, input } of corpusOf(run.parser, target.name)) {
      check(run, target, input, `corpus ${file}`);
      s.corpus++;
    }
    for (let i = 0; i < n; i++) {
      const input = mutate(rng, rng.pick(target.seeds));
      if (check(run, target, input, `input ${i}`)) s.ok++;
      else s.failed++;
      if (i % 100_000 === 99_999)
        progress(`${run.parser}/${target.name} ${i + 1}/${n} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    s.ms = performance.now() - t0;
    progress(
      `${run.parser}/${target.name} done: ${s.ok} ok, ${s.failed} typed errors, ${s.corpus} corpus, ${(s.ms / 1000).toFixed(1)} s`,
    );
  }
  return stats;
}

/** `name ok/failed (+corpus) in s` for the test's diagnostic line (and the long-run table). */
export function describeStats(stats: Map<string, TargetStats>): string {
  return [...stats]
    .map(
      ([name, s]) =>
        `${name} ${s.ok}/${s.failed}${s.corpus > 0 ? ` +${s.corpus} corpus` : ''} ${(s.ms / 1000).toFixed(1)} s`,
    )
    .join('; ');
}

/** The usual assertion: each target ran (when selected) and saw both outcomes, unless it had too few inputs to. */
export function assertBothOutcomes(stats: Map<string, TargetStats>, min = 10): void {
  for (const [name, s] of stats)
    assert.ok(
      s.ok + s.failed < 1000 || (s.ok > min && s.failed > min),
      `${name}: ${s.ok} accepted, ${s.failed} rejected`,
    );
}
