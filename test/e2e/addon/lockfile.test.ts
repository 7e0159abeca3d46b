import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The image build (build context addon/ alone) runs `npm ci` against addon/package-lock.json, a cut of the
 * workspace's root lockfile made by addon/scripts/sync-lockfile.mjs. These fail when it is missing or stale.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (p: string): string => readFileSync(path.join(ROOT, p), 'utf8');

test('addon/package-lock.json matches the root lockfile and addon/package.json (run node addon/scripts/sync-lockfile.mjs)', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'addon/scripts/sync-lockfile.mjs'), '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});

test('the add-on lockfile: the add-on package at its root, every locked package at an exact version', () => {
  const lock = JSON.parse(read('addon/package-lock.json')) as {
    lockfileVersion: number;
    packages: Record<string, Record<string, unknown>>;
  };
  const pkg = JSON.parse(read('addon/package.json')) as {
    name: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  assert.equal(lock.lockfileVersion, 3);
  const root = lock.packages[''];
  assert.equal(root?.name, pkg.name);
  assert.deepEqual(root?.dependencies, pkg.dependencies);
  assert.deepEqual(root?.devDependencies, pkg.devDependencies);
  for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
    assert.ok(lock.packages[`node_modules/${name}`], `${name} is locked`);
  }
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '') continue;
    assert.ok(!entry.link, `${key}: no workspace links`);
    assert.match(String(entry.version), /^\d+\.\d+\.\d+/, `${key}: version`);
    // The root lockfile carries no resolved/integrity today (see the report); when it does, they are copied.
    if (entry.integrity !== undefined) assert.match(String(entry.integrity), /^sha(256|384|512)-/, `${key}: integrity`);
  }
  // Runtime packages are not flagged dev (npm prune --omit=dev keeps them).
  for (const name of Object.keys(pkg.dependencies))
    assert.ok(!lock.packages[`node_modules/${name}`]?.dev, `${name} is a runtime package`);
  assert.equal(lock.packages['node_modules/typescript']?.dev, true);
});

test('Dockerfile: npm ci from the copied lockfile, no npm install', () => {
  const dockerfile = read('addon/Dockerfile');
  assert.match(dockerfile, /^COPY package\.json package-lock\.json \.\/$/m);
  assert.match(dockerfile, /^RUN npm ci\b/m);
  assert.doesNotMatch(dockerfile, /npm install/);
});
