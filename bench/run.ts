/**
 * `npm run bench`: runs the benchmarks, each in its own process (one's JIT state and heap do not colour
 * another's numbers), collects the result rows they write (bench/lib/results.ts) and prints ONE table with
 * ts2rtc and the compare server measured in the same run, and their ratio. See bench/README.md.
 *
 *   npm run bench                            rtsp, webrtc, mse fan-out and idle, against go2rtc if built
 *   npm run bench -- --quick                 small sizes (smoke run, ~4 min)
 *   npm run bench -- --only webrtc,idle      some of them
 *   npm run bench -- --rounds 3              everything 3 times; each cell is the median of the rounds
 *   npm run bench -- --compare go2rtc|none|'CMD'   the server compared with (contract: bench/lib/target.ts)
 *   npm run bench -- mixed                   a bench outside the default set (mixed, rtsp-gst, webrtc-werift,
 *                                            mse-bare, hub, rtmp): these print their own report
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuCount, load1, parseResults, type ResultRow } from './lib/results.js';
import { formatTable } from './lib/table.js';
import { GO2RTC_BIN } from './lib/target.js';

const dir = fileURLToPath(new URL('.', import.meta.url));

/** name -> file and arguments; the first four make the table. */
const BENCHES: Record<string, readonly string[]> = {
  rtsp: ['fanout.ts', 'rtsp'],
  webrtc: ['fanout.ts', 'webrtc'],
  mse: ['fanout.ts', 'mse'],
  idle: ['idle.ts'],
  mixed: ['mixed.ts'],
  'rtsp-gst': ['rtsp.ts'],
  'webrtc-werift': ['webrtc.ts'],
  'mse-bare': ['mse.ts'],
  hub: ['hub.ts'],
  rtmp: ['rtmp.ts'],
};
const DEFAULT = ['rtsp', 'webrtc', 'mse', 'idle'];

interface Options {
  names: string[];
  quick: boolean;
  compare: string | undefined;
  rounds: number;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { names: [], quick: false, compare: undefined, rounds: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--quick') options.quick = true;
    else if (arg === '--only') options.names.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--only=')) options.names.push(...arg.slice('--only='.length).split(','));
    else if (arg === '--compare') options.compare = argv[++i];
    else if (arg.startsWith('--compare=')) options.compare = arg.slice('--compare='.length);
    else if (arg === '--rounds' || arg.startsWith('--rounds=')) {
      const value = arg === '--rounds' ? argv[++i] : arg.slice('--rounds='.length);
      options.rounds = Number(value);
      if (!Number.isInteger(options.rounds) || options.rounds < 1)
        throw new Error(`--rounds needs a count, not ${value}`);
    } else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else options.names.push(arg);
  }
  options.names = options.names.filter(Boolean);
  const unknown = options.names.filter((n) => !BENCHES[n]);
  if (unknown.length)
    throw new Error(`no benchmark named ${unknown.join(', ')} (there are: ${Object.keys(BENCHES).join(', ')})`);
  if (options.names.length === 0) options.names = DEFAULT;
  return options;
}

/** The commit go2rtc was built from, when the binary sits in its checkout. */
function go2rtcCommit(): string {
  try {
    return execFileSync('git', ['-C', path.dirname(GO2RTC_BIN), 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function main(): number {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const work = mkdtempSync(path.join(tmpdir(), 'ts2rtc-bench-run-'));
  const resultsFile = path.join(work, 'results.jsonl');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_RESULTS: resultsFile,
    ...(options.quick ? { BENCH_QUICK: '1' } : {}),
  };
  if (options.compare !== undefined) env['BENCH_COMPARE'] = options.compare;
  const started = performance.now();
  const loads: number[] = [load1()];
  const sampler = setInterval(() => loads.push(load1()), 5000);
  let failed = 0;
  // Rounds run every part again, in the same order, so each server's windows spread over the same stretch of
  // the machine's load; the table takes the median of the rounds.
  for (let round = 1; round <= options.rounds; round++) {
    if (options.rounds > 1) env['BENCH_ROUND'] = String(round);
    for (const name of options.names) {
      const [file, ...args] = BENCHES[name] ?? [];
      const of = options.rounds > 1 ? `, round ${round} of ${options.rounds}` : '';
      process.stdout.write(`\n== ${name} (bench/${file} ${args.join(' ')}${of})\n`);
      const t0 = performance.now();
      const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `${dir}${file}`, ...args], {
        stdio: 'inherit',
        env,
      });
      process.stdout.write(
        `== ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s${result.status === 0 ? '' : `, exit ${result.status ?? result.signal}`}\n`,
      );
      if (result.status !== 0) failed++;
    }
  }
  clearInterval(sampler);
  loads.push(load1());
  let rows: ResultRow[];
  try {
    rows = parseResults(readFileSync(resultsFile, 'utf8'));
  } catch {
    rows = [];
  }
  rmSync(work, { recursive: true, force: true });
  if (rows.length > 0) {
    const mean = loads.reduce((a, b) => a + b, 0) / loads.length;
    const machine =
      `${cpuCount()} CPUs, node ${process.version}, go2rtc ${go2rtcCommit()} (${GO2RTC_BIN}); load average (1 min) during the run ` +
      `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}, mean ${mean.toFixed(1)}; ${((performance.now() - started) / 60000).toFixed(1)} min` +
      `${options.quick ? '; --quick sizes' : ''}${options.rounds > 1 ? `; ${options.rounds} rounds` : ''}`;
    process.stdout.write(`\n${formatTable(rows, machine)}\n`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
