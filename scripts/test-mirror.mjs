// The repository as the test processes see it: every TypeScript file of test/, bench/, addon/src/ and
// custom_cards/src/ turned into JavaScript once per run (esbuild, the transpiler tsx itself uses, with the same
// settings), beside a symlink to every other file, so a test file finds its fixtures, peers and the repo root
// by the same relative paths as in the source tree.
//
// Why: with `--import tsx` each test process loaded the transpiler and transformed its whole import graph
// again. A full run took 590 s of CPU that way and 475 s from the mirror, which takes 1–3 s to build.
//
// A test that walks the tree from its own location (a whole-repo check) should start from the real root:
// `path.dirname(realpathSync(<mirror>/package.json))`.
//
// The mirror lives in node_modules/.cache/ts2rtc-test/run-<pid>: inside the repo, so that bare imports
// resolve to its node_modules; one per run, so two runs at once do not rebuild each other's. A run's folder is
// removed when it ends, or by the next run once its process is gone. Everything but the transpiled folders is
// a symlink to the original: a test that writes beside its source, or reads a .ts file as text, sees the real
// tree. A .ts file is still there (as a symlink) for the places that start a child with `--import tsx`.

import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Folders whose .ts files are transpiled (relative to the repo root), with what tsx would take from their
 * tsconfig.json: the server and the tests use standard class fields, the Lit card does not (its
 * custom_cards/tsconfig.json, for Lit's reactive properties).
 */
const TRANSPILED = { test: true, bench: true, 'addon/src': true, 'custom_cards/src': false };
const DIRS = Object.keys(TRANSPILED);
/** Never mirrored: the mirror itself lives under node_modules, and .git is linked whole. */
const SKIP = new Set(['.git', 'node_modules']);

/**
 * Builds the mirror of `root` and returns its path. Throws when esbuild is missing or a file does not
 * transpile (a syntax error: the typecheck step names it too).
 */
export async function buildTestMirror(root) {
  const parent = path.join(root, 'node_modules', '.cache', 'ts2rtc-test');
  removeAbandoned(parent);
  const mirror = path.join(parent, `run-${process.pid}`);
  rmSync(mirror, { recursive: true, force: true });
  mkdirSync(mirror, { recursive: true });
  const sources = [];
  linkTree(root, mirror, '', sources);
  symlinkSync(path.join(root, '.git'), path.join(mirror, '.git'));
  symlinkSync(path.join(root, 'node_modules'), path.join(mirror, 'node_modules'));

  const { build } = await import('esbuild');
  for (const useDefineForClassFields of [true, false]) {
    const dirs = DIRS.filter((dir) => TRANSPILED[dir] === useDefineForClassFields);
    const entryPoints = sources
      .filter((file) => dirs.some((dir) => file.startsWith(`${dir}/`)))
      .map((file) => path.join(root, file));
    if (entryPoints.length === 0) continue;
    await build({
      entryPoints,
      outbase: root,
      outdir: mirror,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'error',
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields, target: 'ES2022' } },
    });
  }
  return mirror;
}

function hasTypeScript(dir) {
  return readdirSync(dir, { withFileTypes: true }).some((entry) =>
    entry.isDirectory()
      ? entry.name !== 'node_modules' && hasTypeScript(path.join(dir, entry.name))
      : entry.name.endsWith('.ts'),
  );
}

/** Removes the mirror of `run-tests` (call when the run ends). */
export function removeTestMirror(mirror) {
  rmSync(mirror, { recursive: true, force: true });
}

/** The mirrors of runs whose process is gone (killed before it could clean up). */
function removeAbandoned(parent) {
  let entries;
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of entries) {
    const pid = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (!pid || isRunning(pid)) continue;
    rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Recreates `rel` under `mirror`: folders to transpile become real folders, everything else a symlink. */
function linkTree(root, mirror, rel, sources) {
  for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (!rel && SKIP.has(entry.name)) continue;
    const inside = DIRS.some((dir) => child === dir || child.startsWith(`${dir}/`));
    const above = DIRS.some((dir) => dir.startsWith(`${child}/`));
    // A folder without TypeScript (fixtures, the fuzz corpus) stays a link: what a test writes there (a
    // fuzz crasher, a screenshot) lands in the real tree.
    if (
      entry.isDirectory() &&
      (above || (inside && hasTypeScript(path.join(root, child)))) &&
      entry.name !== 'node_modules'
    ) {
      mkdirSync(path.join(mirror, child));
      linkTree(root, mirror, child, sources);
      continue;
    }
    symlinkSync(path.join(root, child), path.join(mirror, child));
    if (inside && entry.isFile() && child.endsWith('.ts') && !child.endsWith('.d.ts')) {
      // esbuild would write through a symlinked foo.js into the source tree.
      if (existsSync(path.join(root, child.replace(/\.ts$/, '.js'))))
        throw new Error(`${child}: a .js file of the same name is in the way`);
      sources.push(child);
    }
  }
}
