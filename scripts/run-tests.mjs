#!/usr/bin/env node
// Runs the TypeScript test files with node's own test runner, as JavaScript transpiled once per run
// (scripts/test-mirror.mjs; --tsx runs them through tsx instead).
//
//   node scripts/run-tests.mjs                      every test/**/*.test.ts: unit, then fuzz, then e2e
//   node scripts/run-tests.mjs --only unit          one category (unit | fuzz | e2e | faults | soak; repeatable)
//   node scripts/run-tests.mjs test/unit/h264       only these files or folders
//   node scripts/run-tests.mjs --list               print the files it would run, run nothing
//   node scripts/run-tests.mjs --test-name-pattern=nalu   any --test-* flag is passed on to node
//
// Unit and fuzz files run in one node child per category (see BATCHED below), every other file in a node child of
// its own; several run at a time (see cpuBudget below): tests pick free ports, make their own temp folders and
// network namespaces, so files do not share anything. A file whose assertions need a quiet machine (frame
// rates and first frames a user would see, each with room to spare) says so with a line `// run-tests: quiet`:
// those run after the pool, two at a time; one that times the machine itself more closely (ICE and DTLS within a bound) says
// `// run-tests: serial` and runs last, alone. --test-concurrency=N runs every file N at a time, quiet and
// serial ones included. A file under netnsGuard (test/peers/netns.ts) is started inside its private
// network namespace under `unshare`, with the guard's options read from its text (see netnsJobs below). The longest files start first, by their wall time in the last run on this
// machine (~/.cache/ts2rtc/test-times.json) or else in test/test-times.json (committed, for a fresh clone;
// refresh it by copying the cache after a full run; test-cpu.json beside it, the same way, holds CPU times). A
// file's output is printed whole when it ends, after a
// line "── file  ok in N s, CPU M s" (CPU: user + system of the file's process tree, node and every peer it
// reaped: ffmpeg, Chromium, GStreamer); at the end come the 15 slowest files, the 15 that used the most CPU,
// the sums of wall and CPU time, and one summary counting every test
// (ℹ tests / ℹ pass / ℹ fail ...); the exit code is non-zero when any file failed.
// Each file has a cap on its wall time (default 4 min, env TEST_FILE_TIMEOUT_MS; --test-timeout=N is passed on
// as node's per-test timeout); --test-force-exit stops a file whose tests finished but left a handle open.
// The file search is done here in JavaScript, so no shell glob feature is needed.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { buildTestMirror, removeTestMirror } from './test-mirror.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = path.join(ROOT, 'test');
const CATEGORIES = ['unit', 'fuzz', 'e2e', 'faults', 'soak'];
const SKIP_DIRS = new Set(['node_modules', 'fixtures', '.git']);
/** A path relative to the repository, with forward slashes (the key of the saved times). */
const rel = (f) => path.relative(ROOT, f).split(path.sep).join('/');

function usage(message) {
  if (message) console.error(`run-tests: ${message}`);
  console.error(
    'usage: node scripts/run-tests.mjs [--only unit|fuzz|e2e|faults|soak] [--list] [--tsx] [--test-*=...] [file|folder ...]',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const only = new Set();
  const paths = [];
  const nodeFlags = [];
  let list = false;
  let tsx = false;
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
    } else if (arg === '--tsx') {
      tsx = true;
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
  return { only, paths, nodeFlags, list, tsx };
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
  `run-tests: ${files.length} file(s) [${Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}]`,
);

// The test files run as JavaScript from the transpiled mirror (scripts/test-mirror.mjs), or through tsx with
// --tsx, for a file outside the mirrored folders, or when the mirror cannot be built (then said once).
let mirror;
if (!opts.tsx) {
  const began = Date.now();
  try {
    mirror = await buildTestMirror(ROOT);
    console.log(`run-tests: test files transpiled once into ${path.relative(ROOT, mirror)} (${Date.now() - began} ms)`);
  } catch (err) {
    console.log(`run-tests: no transpiled mirror (${err.message.split('\n')[0]}); every file runs through tsx`);
  }
}
const mirrored = (file) =>
  mirror && /^(test|bench|addon\/src|custom_cards\/src)\//.test(rel(file)) && file.endsWith('.ts')
    ? path.join(mirror, rel(file).replace(/\.ts$/, '.js'))
    : undefined;
/** The node flags that load `file`, and the path node is given. */
const runnerOf = (file) => (batches.has(file) || mirrored(file) ? ['--enable-source-maps'] : ['--import', 'tsx']);
const scriptOf = (file) => batches.get(file)?.entry ?? mirrored(file) ?? rel(file);

/** `command` is an executable file in a PATH folder. */
function findOnPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      return dir !== '' && statSync(path.join(dir, command)).isFile();
    } catch {
      return false;
    }
  });
}

const hasFlag = (name) => opts.nodeFlags.some((f) => f === name || f.startsWith(`${name}=`));

/** The file says `// run-tests: <marker>` on a line of its own (serial, own-process). */
function hasMarker(file, marker) {
  return new RegExp(`^// run-tests: ${marker}\\s*$`, 'm').test(readFileSync(file, 'utf8'));
}
/** A file that asks to run alone. */
const isSerial = (file) => hasMarker(file, 'serial');
/** A file that asks for a quiet machine: after the pool, beside at most one other such file. */
const isQuiet = (file) => hasMarker(file, 'quiet');

// Unit and fuzz files run in one node per category: each file is imported inside a `describe` named after it, one
// after the other, so its tests and hooks stay its own and a failure names the file. They start no process and
// hold no port (test/unit/layout.test.ts), so they need no isolation, and a node of their own cost each of the
// ~150 files ~0.3 s of CPU to start and load the modules it shares with the others (45 s of a 75 s total). A file
// that does need a process of its own says so with a line `// run-tests: own-process`; TEST_BATCH=0 turns
// batching off (to find which file of a batch disturbs another).
const BATCHED = new Set(['unit', 'fuzz']);

/**
 * The module a batch's node runs: a `describe` per file, all declared at once (with --test-force-exit, node ends
 * the run as soon as no declared test is left, so a file declared only after the previous one ended would be
 * cancelled), each importing its file only once the previous file's suite has ended. The import runs in an
 * AsyncResource made inside the file's `describe`: node:test gives a `describe`/`it` call to the suite whose
 * async scope it runs in, and the scope that resolves the previous file's promise is that file's.
 */
function batchEntry(imports) {
  return `import { AsyncResource } from 'node:async_hooks';
import { describe } from 'node:test';

let previous;
for (const [name, url] of ${JSON.stringify(imports, null, 1)}) {
  const after = previous;
  previous = describe(name, () => {
    const scope = new AsyncResource('ts2rtc:test-file');
    return Promise.resolve(after).then(() => scope.runInAsyncScope(() => import(url)));
  });
}
`;
}
/** The folder path that stands for a category's batch in the run (its times are kept under `test/unit`...). */
const batchPath = (category) => path.join(TEST_DIR, category);
const batches = new Map();
if (mirror && process.env.TEST_BATCH !== '0') {
  for (const category of BATCHED) {
    const members = files.filter(
      (f) => categoryOf(f) === category && mirrored(f) && !isSerial(f) && !isQuiet(f) && !hasMarker(f, 'own-process'),
    );
    if (members.length < 2) continue;
    const entry = path.join(mirror, `run-tests-batch-${category}.mjs`);
    const imports = members.map((f) => [rel(f), pathToFileURL(mirrored(f)).href]);
    writeFileSync(entry, batchEntry(imports));
    batches.set(batchPath(category), { entry, members });
  }
}
const batched = new Set([...batches.values()].flatMap((b) => b.members));
/** What the run starts, one node each: the batches, then every file not in one. */
const jobs = [...batches.keys(), ...files.filter((f) => !batched.has(f))];

// A file under netnsGuard (test/peers/netns.ts) runs its tests in a private network namespace: run as is, it
// loads its whole import graph (werift, the server: 0.3-0.7 s of CPU) only to start itself again under
// `unshare`. Here such a file is started inside its namespace at once, with the guard's options read from its
// text (`netnsGuard(import.meta.url, { blockUdp: true })`); the guard checks inside that they match. A file
// whose options cannot be read as a literal, or a run without the mirror (--tsx), runs the old way.
/** The options object of the file's netnsGuard call: {} for none, undefined when it has no readable call. */
function netnsOptionsOf(file) {
  const text = readFileSync(file, 'utf8');
  const call = 'netnsGuard(import.meta.url';
  const at = text.indexOf(call);
  if (at === -1) return undefined;
  let depth = 0;
  let end = -1;
  for (let i = at + call.indexOf('('); i < text.length && end === -1; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) end = i;
  }
  const args = text.slice(at + call.length, end).trim();
  if (end === -1 || (args !== '' && !args.startsWith(','))) return undefined;
  if (args === '') return {};
  try {
    // An object literal, evaluated in an empty context: a name from the file's scope makes it unreadable.
    const options = runInNewContext(`(${args.slice(1)})`, {}, { timeout: 100 });
    return options && typeof options === 'object' ? options : undefined;
  } catch {
    return undefined;
  }
}
/** file → the command prefix that starts it in its namespace, and the environment it adds. */
const netnsJobs = new Map();
if (mirror && findOnPath('unshare')) {
  const netns = await import(pathToFileURL(path.join(mirror, 'test', 'peers', 'netns.js')).href);
  for (const file of jobs) {
    const options = batches.has(file) || !mirrored(file) ? undefined : netnsOptionsOf(file);
    if (options === undefined) continue;
    const setup = netns.netnsSetup(options);
    netnsJobs.set(file, {
      prefix: ['unshare', ...netns.unshareArgs(), '--', 'sh', '-c', `${setup} && exec "$@"`, 'sh'],
      env: { ...options.env, [netns.NETNS_ENV]: '1', [netns.NETNS_SETUP_ENV]: setup },
    });
  }
}

// How many files run at once. Measured on 2 cores: an e2e file spends most of its wall time waiting on real-time
// streams (hls 3.5 s of CPU in 40 s, rtsp-server 7.5 s in 58 s; the 14 slowest files 166 s of CPU in 785 s), so
// one file per core left the cores mostly idle. By default the pool is filled by CPU instead: up to 4 files per
// core, as long as the CPU the running files used per second of wall time in their last run (0.3 of a core for a
// file never measured, about what e2e files use) adds up to at most TEST_CPU_BUDGET cores (default 0.8 per
// core), and the machine has that CPU idle (other work on it counts: see runPool). It was 3 files per core while
// the files used ~540 s of CPU; at ~320 s (unit and fuzz batched, cheaper peers) that pool kept 3.6 files
// running and the cores half idle. The whole CPU as budget was tried again then: a fresh-clone CI run took 303 s
// instead of 405, but rtsp-client/session and rtsp-client/leak missed waits on the busier machine (a camera's
// 3 s session timeout; 200 sessions' audio in 20 s), so the default keeps the margin.
// TEST_CONCURRENCY=N or --test-concurrency=N is a plain pool of N instead.
const cores = availableParallelism();
const fixedPool = Number(process.env.TEST_CONCURRENCY) || 0;
const forced = hasFlag('--test-concurrency');
const poolSize = forced
  ? Math.max(1, Number(opts.nodeFlags.find((f) => f.startsWith('--test-concurrency='))?.split('=')[1]) || 1)
  : fixedPool > 0
    ? fixedPool
    : 4 * cores;
const cpuBudget = forced || fixedPool > 0 ? Infinity : Number(process.env.TEST_CPU_BUDGET) || 0.8 * cores;
const parallel = forced ? jobs : jobs.filter((f) => batches.has(f) || (!isSerial(f) && !isQuiet(f)));
const quiet = forced ? [] : jobs.filter((f) => !batches.has(f) && isQuiet(f) && !isSerial(f));
const serial = forced ? [] : jobs.filter((f) => !batches.has(f) && isSerial(f));
/** Files after the pool run this many at a time: measured, two of them on 2 cores keep every margin. */
const QUIET_AT_ONCE = 2;

// Wall time of each file in earlier runs (ms, by path relative to the repo): the longest start first, so a
// slow file started last does not leave one core idle for minutes at the end. The cache is this machine's
// last run; the committed file is the fallback for a fresh clone (CI).
const TIMES_CACHE = path.join(
  process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'),
  'ts2rtc',
  'test-times.json',
);
const TIMES_COMMITTED = path.join(ROOT, 'test', 'test-times.json');
function readTimes(file) {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    return data && typeof data === 'object' ? data : {};
  } catch {
    return {};
  }
}
const previous = { ...readTimes(TIMES_COMMITTED), ...readTimes(TIMES_CACHE) };
// CPU milliseconds of each file in the same runs, beside the wall times (same format, same refresh).
const CPU_CACHE = TIMES_CACHE.replace(/test-times\.json$/, 'test-cpu.json');
const CPU_COMMITTED = path.join(ROOT, 'test', 'test-cpu.json');
const previousCpu = { ...readTimes(CPU_COMMITTED), ...readTimes(CPU_CACHE) };
// A file never timed counts as long (it may be a new e2e file): better started early than late.
const expected = (f) => previous[rel(f)] ?? 20000;
/** Cores a file kept busy on average in its last run (CPU time / wall time); 0.3 when never measured. */
function cpuLoad(f) {
  const cpu = previousCpu[rel(f)];
  const wall = previous[rel(f)];
  return typeof cpu === 'number' && typeof wall === 'number' && wall > 0 ? Math.min(cores, cpu / wall) : 0.3;
}
const longestFirst = (list) => [...list].sort((a, b) => expected(b) - expected(a) || byRunOrder(a, b));

const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS) || 240000;

/** Sends `signal` to the process group of a file's child (the shell, node and the peers it started). */
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group has already gone.
  }
}

// `sh -c CPU_WRAPPER sh node ARGS...`: runs node, then writes the shell's `times` to fd 3 and exits with node's
// code. The second line of `times` is the user and system time of every reaped descendant.
const CPU_WRAPPER = '"$@"; rc=$?; times >&3; exit $rc';

/** CPU seconds from `times` output ("0m0.01s 0m0.00s\n1m2.50s 0m3.25s"): the children's line, or null. */
function parseTimes(text) {
  const lines = text.trim().split('\n');
  const m = /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(lines[1]?.trim() ?? '');
  return m ? { user: Number(m[1]) * 60 + Number(m[2]), sys: Number(m[3]) * 60 + Number(m[4]) } : null;
}
const cpuOf = (run) => (run.cpu ? run.cpu.user + run.cpu.sys : 0);

const SUMMARY_KEYS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];
const children = new Set();
let stopping = false;

/**
 * Runs one file in its own node (one child per file, so its wall time is known) and prints its
 * output whole when it ends, so that files running at the same time do not interleave.
 */
function runFile(file) {
  // The file is the test process itself (node:test's direct mode, `node --import tsx file`): under `node --test`
  // a second node, with its own tsx, only relays the file's results (0.13 s more CPU per file, measured). Direct
  // mode takes the other --test-* flags but not --test-timeout as a cap on the whole file: that cap is kept here.
  // --expose-gc lets the memory tests measure a settled heap instead of a noisy one.
  const nodeArgs = [...runnerOf(file), '--expose-gc'];
  if (!hasFlag('--test-reporter')) nodeArgs.push('--test-reporter=spec');
  if (!hasFlag('--test-force-exit')) nodeArgs.push('--test-force-exit');
  nodeArgs.push(...opts.nodeFlags.filter((f) => !f.startsWith('--test-concurrency')), scriptOf(file));
  const begun = Date.now();
  return new Promise((resolve) => {
    // Through a shell whose `times` (on fd 3) gives the CPU of the file's whole process tree once node is reaped:
    // node, the tsx transpiler and every peer it waited for (ffmpeg, Chromium, GStreamer). Its own process group,
    // so that a stop signal reaches the peers too.
    const netns = netnsJobs.get(file);
    const command = [...(netns?.prefix ?? []), process.execPath, ...nodeArgs];
    const child = spawn('/bin/sh', ['-c', CPU_WRAPPER, 'sh', ...command], {
      cwd: ROOT,
      env: netns ? { ...process.env, ...netns.env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    const out = [];
    const cpuOut = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => out.push(chunk));
    child.stdio[3].on('data', (chunk) => cpuOut.push(chunk));
    // The per-file cap: SIGTERM to the file's process group (the peers' exit handlers reap them), SIGKILL 5 s on.
    let capped = false;
    let killTimer;
    const capTimer = setTimeout(() => {
      capped = true;
      signalGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
    }, FILE_TIMEOUT_MS);
    const finish = (code, note) => {
      clearTimeout(capTimer);
      clearTimeout(killTimer);
      if (capped) note = `stopped at the per-file cap of ${FILE_TIMEOUT_MS / 1000} s`;
      children.delete(child);
      const ms = Date.now() - begun;
      const cpu = parseTimes(Buffer.concat(cpuOut).toString('utf8'));
      const text = Buffer.concat(out).toString('utf8');
      const summary = {};
      // The file's own closing summary ("ℹ pass 12" spec, "# pass 12" tap) is taken out: one summary for the
      // whole run is printed at the end, the one scripts/test.sh counts.
      const kept = [];
      for (const line of text.split('\n')) {
        const m = /^(?:ℹ|#) (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)\s*$/.exec(line);
        if (m) summary[m[1]] = Number(m[2]);
        else kept.push(line);
      }
      // A file that failed without a failed test (it crashed while loading, or hit the cap) counts as one.
      if (code !== 0 && !(summary.fail > 0) && !(summary.cancelled > 0)) summary.fail = (summary.fail ?? 0) + 1;
      const status = code === 0 ? 'ok' : `FAILED (exit ${code}${note ? `, ${note}` : ''})`;
      const cpuNote = cpu ? `, CPU ${(cpu.user + cpu.sys).toFixed(1)} s` : '';
      process.stdout.write(
        `\n── ${rel(file)}  ${status} in ${(ms / 1000).toFixed(1)} s${cpuNote}\n${kept.join('\n').replace(/\n+$/, '')}\n`,
      );
      resolve({ file, code, summary, ms, cpu, failures: code === 0 ? [] : failureDigest(kept) });
    };
    child.on('error', (err) => finish(1, `could not start node: ${err.message}`));
    child.on('close', (code, signal) => finish(signal ? 1 : (code ?? 1), signal ? `ended by ${signal}` : ''));
  });
}

/**
 * The failed tests of a file's output with their first error line (name, then message; no stack): printed
 * again at the very end, where a CI log cut to its tail still shows why a file failed.
 */
function failureDigest(lines) {
  const digest = [];
  for (const [i, line] of lines.entries()) {
    if (!/^\s*✖ /.test(line) || /✖ failing tests:/.test(line)) continue;
    const message = lines.slice(i + 1, i + 4).find((l) => l.trim() !== '' && !/^\s+at /.test(l));
    const entry = `${line.trim()}${message && !/^\s*[✖✔▶]/.test(message) ? `\n      ${message.trim().slice(0, 300)}` : ''}`;
    if (!digest.includes(entry)) digest.push(entry);
  }
  // A file that failed without a failed test (it could not load): its first error line.
  const crash = lines.find((l) => /^\s*(\w*Error\b|Error \[)/.test(l));
  if (digest.length === 0 && crash) digest.push(crash.trim().slice(0, 300));
  return digest.slice(0, 12);
}

/**
 * Idle CPU of the whole machine, in cores, over the last second (/proc/stat; `cores` where it cannot be read).
 * Other people's work on a shared machine uses the cores too: above one file per core, a file starts only when
 * they are really free (or busy with niced work only).
 */
let idleCores = cores;
let lastStat;
function sampleIdle() {
  try {
    const fields = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    // Niced work counts as idle: it yields to the tests (scripts/test.sh runs its type check and lint that way).
    const idle = fields[1] + fields[3] + fields[4];
    if (lastStat && total > lastStat.total) idleCores = (cores * (idle - lastStat.idle)) / (total - lastStat.total);
    lastStat = { total, idle };
  } catch {
    idleCores = cores;
  }
}

/**
 * Runs `list` at most `size` at a time, longest expected first. Up to one file per core start as soon as a place
 * is free (as before); a further file starts only while the expected CPU load of the running files stays within
 * `budget` cores and the machine has that file's load plus a tenth of a core per core idle, a second after the
 * last start at the earliest (a starting file's own CPU shows only then). The first file that fits is taken.
 * Resolves with every file's result.
 */
async function runPool(list, size, budget) {
  const queue = longestFirst(list);
  const results = [];
  const running = new Set();
  let load = 0;
  let lastStart = 0;
  const sampler = budget === Infinity ? undefined : setInterval(sampleIdle, 1000);
  sampleIdle();
  const fits = (f) =>
    load + cpuLoad(f) <= budget && idleCores >= cpuLoad(f) + 0.1 * cores && Date.now() - lastStart >= 1000;
  let heldBy;
  while ((queue.length > 0 && !stopping) || running.size > 0) {
    heldBy = undefined;
    while (!stopping && queue.length > 0 && running.size < size) {
      const i = budget === Infinity || running.size < Math.min(cores, size) ? 0 : queue.findIndex(fits);
      if (i === -1) {
        if (!queue.some((f) => load + cpuLoad(f) <= budget)) heldBy = 'budget';
        else heldBy = Date.now() - lastStart < 1000 ? 'spacing' : 'idle';
        break;
      }
      const [file] = queue.splice(i, 1);
      const share = cpuLoad(file);
      load += share;
      lastStart = Date.now();
      const done = runFile(file).then((result) => {
        running.delete(done);
        load -= share;
        results.push(result);
      });
      running.add(done);
    }
    // Waits for a file to end, or a second when another could start once the machine has room.
    const waits = [...running];
    if (queue.length > 0 && running.size < size && budget !== Infinity)
      waits.push(new Promise((r) => setTimeout(r, 1000)));
    const waitStart = Date.now();
    if (waits.length > 0) await Promise.race(waits);
    if (heldBy) held[heldBy] += Date.now() - waitStart;
  }
  clearInterval(sampler);
  return results;
}

/** Time the parallel pool had a free place and a file waiting but started none, by the rule that held it. */
const held = { budget: 0, idle: 0, spacing: 0 };

const forward = (signal) => () => {
  stopping = true;
  for (const child of children) signalGroup(child, signal);
};
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));

const started = Date.now();
const runs = [];
if (parallel.length > 0) runs.push(...(await runPool(parallel, poolSize, cpuBudget)));
const parallelMs = Date.now() - started;
if (quiet.length > 0 && !stopping) {
  console.log(
    `\nrun-tests: ${quiet.length} file(s) that want a quiet machine, ${QUIET_AT_ONCE} at a time: ${quiet.map(rel).join(', ')}`,
  );
  runs.push(...(await runPool(quiet, QUIET_AT_ONCE, Infinity)));
}
if (serial.length > 0 && !stopping) {
  console.log(`\nrun-tests: ${serial.length} file(s) that run alone: ${serial.map(rel).join(', ')}`);
  runs.push(...(await runPool(serial, 1, Infinity)));
}

// Remember this run's times for the next one's order (a failed or cut-short file's time is kept too: it is
// still the best guess of how long it takes).
function saveTimes(file, value) {
  try {
    const times = readTimes(file);
    for (const run of runs)
      if (!rel(run.file).startsWith('../') && value(run) !== undefined) times[rel(run.file)] = value(run);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(times, Object.keys(times).sort(), 1)}\n`);
  } catch (err) {
    console.error(`run-tests: could not save the file times to ${file}: ${err.message}`);
  }
}
saveTimes(TIMES_CACHE, (run) => run.ms);
saveTimes(CPU_CACHE, (run) => (run.cpu ? Math.round((run.cpu.user + run.cpu.sys) * 1000) : undefined));

const row = (run) =>
  `  ${(run.ms / 1000).toFixed(1).padStart(6)} s  ${cpuOf(run).toFixed(1).padStart(6)} s  ${rel(run.file)}${run.code === 0 ? '' : '  FAILED'}`;
console.log(`\nrun-tests: slowest files (wall time, then CPU time of the file's processes):`);
for (const run of [...runs].sort((a, b) => b.ms - a.ms).slice(0, 15)) console.log(row(run));
console.log(`run-tests: most CPU (wall, CPU):`);
for (const run of [...runs].sort((a, b) => cpuOf(b) - cpuOf(a)).slice(0, 15)) console.log(row(run));
const sum = (f) => runs.reduce((total, run) => total + f(run), 0);
console.log(
  `run-tests: sum over files: wall ${(sum((r) => r.ms) / 1000).toFixed(0)} s, CPU ${sum(cpuOf).toFixed(0)} s` +
    ` (user ${sum((r) => r.cpu?.user ?? 0).toFixed(0)} s, system ${sum((r) => r.cpu?.sys ?? 0).toFixed(0)} s)`,
);
const failed = runs.filter((run) => run.code !== 0);
if (failed.length > 0) {
  console.log(`run-tests: failed files: ${failed.map((run) => rel(run.file)).join(', ')}`);
  for (const run of failed)
    console.log(
      `  ${rel(run.file)}:\n    ${(run.failures.length > 0 ? run.failures : ['(no failed test: see its output above)']).join('\n    ')}`,
    );
}

// One summary for the whole run, in the reporter's own format, so scripts/test.sh counts every test.
const total = (key) => runs.reduce((sum, run) => sum + (run.summary[key] ?? 0), 0);
const pool =
  cpuBudget === Infinity ? `${poolSize} at a time` : `up to ${poolSize} at a time within ${cpuBudget} cores of CPU`;
const pooled = new Set(parallel);
const atOnce = runs.filter((r) => pooled.has(r.file)).reduce((t, r) => t + r.ms, 0) / Math.max(1, parallelMs);
console.log(
  `\nrun-tests: ${parallel.length} file(s) in parallel (${pool}; ${atOnce.toFixed(1)} at once on average), ${quiet.length} after it (${QUIET_AT_ONCE} at a time), ${serial.length} alone`,
);
if (cpuBudget !== Infinity)
  console.log(
    `run-tests: a place was free and files waited ${(held.budget / 1000).toFixed(0)} s for the CPU budget, ${(held.idle / 1000).toFixed(0)} s for idle cores, ${(held.spacing / 1000).toFixed(0)} s for the 1 s between starts`,
  );
for (const key of SUMMARY_KEYS) console.log(`ℹ ${key} ${total(key)}`);
console.log(`ℹ duration_ms ${Date.now() - started}`);
if (mirror) removeTestMirror(mirror);
process.exit(failed.length > 0 || stopping || runs.length < jobs.length ? 1 : 0);
