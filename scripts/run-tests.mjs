#!/usr/bin/env node
// Runs the TypeScript test files with node's own test runner (through tsx).
//
//   node scripts/run-tests.mjs                      every test/**/*.test.ts: unit, then fuzz, then e2e
//   node scripts/run-tests.mjs --only unit          one category (unit | fuzz | e2e | faults | soak; repeatable)
//   node scripts/run-tests.mjs test/unit/h264       only these files or folders
//   node scripts/run-tests.mjs --list               print the files it would run, run nothing
//   node scripts/run-tests.mjs --test-name-pattern=nalu   any --test-* flag is passed on to node
//
// Files run in parallel, TEST_CONCURRENCY at a time (default: one per core): tests pick free
// ports, make their own temp folders and network namespaces, so files do not share anything. A file whose
// assertions need the machine to itself (latency, frames per second at full load) says so with a line
// `// run-tests: serial`; those run afterwards, one at a time. --test-concurrency=N overrides both.
// The spec reporter's output is passed through; at the end one summary counts every pass
// (ℹ tests / ℹ pass / ℹ fail ...), and the exit code is non-zero when any run failed.
// Node 20 applies --test-timeout to each whole file, so it is a per-file cap (default 4 min, env
// TEST_FILE_TIMEOUT_MS); --test-force-exit stops a file whose tests finished but left a handle open.
// The file search is done here in JavaScript, so no shell glob feature is needed.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = path.join(ROOT, 'test');
const CATEGORIES = ['unit', 'fuzz', 'e2e', 'faults', 'soak'];
const SKIP_DIRS = new Set(['node_modules', 'fixtures', '.git']);

function usage(message) {
  if (message) console.error(`run-tests: ${message}`);
  console.error('usage: node scripts/run-tests.mjs [--only unit|fuzz|e2e|faults|soak] [--list] [--test-*=...] [file|folder ...]');
  process.exit(2);
}

function parseArgs(argv) {
  const only = new Set();
  const paths = [];
  const nodeFlags = [];
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') {
      const value = argv[++i];
      if (!value) usage('--only needs a value');
      for (const v of value.split(',')) only.add(v);
    } else if (arg.startsWith('--only=')) {
      for (const v of arg.slice('--only='.length).split(',')) only.add(v);
    } else if (arg === '--list') {
      list = true;
    } else if (arg === '-h' || arg === '--help') {
      usage();
    } else if (arg.startsWith('--test-')) {
      nodeFlags.push(arg);
    } else if (arg.startsWith('-')) {
      usage(`unknown option ${arg}`);
    } else {
      paths.push(arg);
    }
  }
  for (const c of only) if (!CATEGORIES.includes(c)) usage(`--only takes ${CATEGORIES.join('|')}, not "${c}"`);
  return { only, paths, nodeFlags, list };
}

/** Every *.test.ts below dir (recursive, no symlink following). */
function findTests(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) findTests(full, out);
    } else if (entry.isFile() && entry.name.endsWith('.test.ts')) {
      out.push(full);
    }
  }
  return out;
}

/** Category of a test file: first folder under test/ (unit, fuzz, e2e, faults, soak) or "other". */
function categoryOf(file) {
  const rel = path.relative(TEST_DIR, file);
  const first = rel.split(path.sep)[0];
  return rel.startsWith('..') || !CATEGORIES.includes(first) ? 'other' : first;
}

function rank(file) {
  const i = CATEGORIES.indexOf(categoryOf(file));
  return i === -1 ? CATEGORIES.length : i;
}

function byRunOrder(a, b) {
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  const ra = path.relative(ROOT, a).split(path.sep).join('/');
  const rb = path.relative(ROOT, b).split(path.sep).join('/');
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

function collect({ only, paths }) {
  let files;
  if (paths.length === 0) {
    files = findTests(TEST_DIR);
  } else {
    files = [];
    for (const p of paths) {
      const full = path.resolve(process.cwd(), p);
      if (!existsSync(full)) usage(`no such file or folder: ${p}`);
      if (statSync(full).isDirectory()) files.push(...findTests(full));
      else files.push(full);
    }
  }
  files = [...new Set(files)];
  if (only.size > 0) files = files.filter((f) => only.has(categoryOf(f)));
  return files.sort(byRunOrder);
}

const opts = parseArgs(process.argv.slice(2));
const files = collect(opts);

if (opts.list) {
  for (const f of files) console.log(path.relative(ROOT, f));
  process.exit(0);
}

const counts = {};
for (const f of files) counts[categoryOf(f)] = (counts[categoryOf(f)] ?? 0) + 1;
const what = opts.only.size > 0 ? [...opts.only].join(', ') : 'all';

if (files.length === 0) {
  // Nothing to run is not an error (a category may have no test yet), but say so plainly:
  // this run executed no test.
  console.log(`run-tests: no test file found (${what}); no test was run`);
  console.log('0 passed, 0 failed');
  process.exit(0);
}

console.log(
  `run-tests: ${files.length} file(s) [${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}]`,
);

const hasFlag = (name) => opts.nodeFlags.some((f) => f === name || f.startsWith(`${name}=`));

/** A file that asks to run alone (`// run-tests: serial` on a line of its own). */
function isSerial(file) {
  return /^\/\/ run-tests: serial\s*$/m.test(readFileSync(file, 'utf8'));
}

const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY) || availableParallelism());
const parallel = hasFlag('--test-concurrency') ? files : files.filter((f) => !isSerial(f));
const serial = hasFlag('--test-concurrency') ? [] : files.filter((f) => isSerial(f));

/** Runs node's test runner on `group`; resolves with its exit code and the summary numbers it printed. */
function runGroup(group, groupConcurrency) {
  // --expose-gc lets the memory tests measure a settled heap instead of a noisy one.
  const nodeArgs = ['--import', 'tsx', '--expose-gc', '--test'];
  if (!hasFlag('--test-concurrency')) nodeArgs.push(`--test-concurrency=${groupConcurrency}`);
  if (!hasFlag('--test-reporter')) nodeArgs.push('--test-reporter=spec');
  if (!hasFlag('--test-timeout')) nodeArgs.push(`--test-timeout=${process.env.TEST_FILE_TIMEOUT_MS || 240000}`);
  if (!hasFlag('--test-force-exit')) nodeArgs.push('--test-force-exit');
  nodeArgs.push(...opts.nodeFlags, ...group.map((f) => path.relative(ROOT, f)));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    current = child;
    const summary = {};
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        // "ℹ pass 12" (spec) or "# pass 12" (tap); the last one of each run is its summary.
        const m = /^(?:ℹ|#) (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)\s*$/.exec(line);
        if (m) summary[m[1]] = Number(m[2]);
      }
    });
    child.on('error', (err) => {
      console.error(`run-tests: could not start node: ${err.message}`);
      resolve({ code: 1, summary });
    });
    child.on('exit', (code, signal) => {
      if (signal) console.error(`run-tests: test runner ended by ${signal}`);
      resolve({ code: signal ? 1 : (code ?? 1), summary });
    });
  });
}

let current;
let stopping = false;
const forward = (signal) => () => {
  stopping = true;
  current?.kill(signal);
};
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));

const started = Date.now();
const runs = [];
if (parallel.length > 0) runs.push(await runGroup(parallel, concurrency));
if (serial.length > 0 && !stopping) {
  console.log(`\nrun-tests: ${serial.length} file(s) that run alone: ${serial.map((f) => path.relative(ROOT, f)).join(', ')}`);
  runs.push(await runGroup(serial, 1));
}
if (runs.length > 1) {
  // One summary for the whole run, in the reporter's own format, so scripts/test.sh counts every test.
  const total = (key) => runs.reduce((sum, run) => sum + (run.summary[key] ?? 0), 0);
  console.log(`\nrun-tests: ${parallel.length} file(s) in parallel (${concurrency} at a time), ${serial.length} alone`);
  for (const key of ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo']) console.log(`ℹ ${key} ${total(key)}`);
  console.log(`ℹ duration_ms ${Date.now() - started}`);
}
process.exit(runs.some((run) => run.code !== 0) ? 1 : 0);
