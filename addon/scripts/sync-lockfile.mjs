#!/usr/bin/env node
// Writes addon/package-lock.json: the add-on's own lockfile, cut from the workspace's root package-lock.json.
//
//   node addon/scripts/sync-lockfile.mjs           write it
//   node addon/scripts/sync-lockfile.mjs --check   exit 1 (and say why) when the file is missing or stale
//
// Why: the Supervisor builds the image from addon/ alone, so `npm ci` there needs a lockfile in addon/, but npm
// workspaces keep the only lockfile at the repository root. This takes from the root lock exactly the packages
// the add-on's package.json reaches (dependencies and devDependencies, transitively, as node would resolve
// them from addon/), with their versions, resolved URLs and integrity hashes unchanged, and recomputes the
// dev/optional flags for the add-on alone. Run it after every `npm install` that changes the root lock;
// test/e2e/addon/lockfile.test.ts fails while the two disagree.

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ADDON = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(ADDON, '..');
const OUT = path.join(ADDON, 'package-lock.json');

/** The lockfile text the add-on should have. Pure apart from reading the two inputs. */
export function addonLockfile(rootLock, addonPackage) {
  const packages = rootLock.packages ?? {};
  const workspace = Object.entries(packages).find(
    ([key, value]) => !key.startsWith('node_modules/') && value.name === addonPackage.name,
  )?.[0];
  if (workspace === undefined) throw new Error(`the root lockfile has no workspace named ${addonPackage.name}`);
  // Where node finds `name` from the package installed at `from` (a lock key like node_modules/a/node_modules/b):
  // its own node_modules, then each parent's, then the workspace's, then the root's.
  const resolve = (from, name) => {
    const candidates = [];
    let dir = from;
    while (dir !== '') {
      candidates.push(`${dir}/node_modules/${name}`);
      const cut = dir.lastIndexOf('/node_modules/');
      dir = cut < 0 ? '' : dir.slice(0, cut);
    }
    if (from !== workspace) candidates.push(`${workspace}/node_modules/${name}`);
    candidates.push(`node_modules/${name}`);
    return candidates.find((key) => packages[key] && !packages[key].link);
  };
  const edges = (key, entry, withDev) => {
    const out = [];
    const add = (deps, optional) => {
      for (const name of Object.keys(deps ?? {})) out.push({ name, optional });
    };
    add(entry.dependencies, false);
    add(entry.optionalDependencies, true);
    for (const name of Object.keys(entry.peerDependencies ?? {}))
      out.push({ name, optional: entry.peerDependenciesMeta?.[name]?.optional === true });
    if (withDev) add(entry.devDependencies, false);
    return out.map((e) => ({ ...e, key: resolve(key, e.name) }));
  };
  const walk = (startEdges, followOptional) => {
    const seen = new Set();
    const queue = startEdges.filter((e) => e.key && (followOptional || !e.optional)).map((e) => e.key);
    while (queue.length > 0) {
      const key = queue.pop();
      if (seen.has(key)) continue;
      seen.add(key);
      for (const e of edges(key, packages[key], false)) if (e.key && (followOptional || !e.optional)) queue.push(e.key);
    }
    return seen;
  };
  const rootEntry = packages[workspace];
  const prodEdges = edges(workspace, { ...rootEntry, devDependencies: undefined }, false);
  const allEdges = edges(workspace, rootEntry, true);
  const missing = allEdges.filter((e) => !e.key && !e.optional).map((e) => e.name);
  if (missing.length > 0)
    throw new Error(`the root lockfile lacks ${missing.join(', ')}: run npm install at the root first`);
  const requiredProd = walk(prodEdges, false);
  const anyProd = walk(prodEdges, true);
  const requiredAll = walk(allEdges, false);
  const anyAll = walk(allEdges, true);
  const out = {
    '': {
      name: addonPackage.name,
      version: addonPackage.version,
      ...(addonPackage.license ? { license: addonPackage.license } : {}),
      ...(addonPackage.dependencies ? { dependencies: addonPackage.dependencies } : {}),
      ...(addonPackage.optionalDependencies ? { optionalDependencies: addonPackage.optionalDependencies } : {}),
      ...(addonPackage.bin ? { bin: addonPackage.bin } : {}),
      ...(addonPackage.devDependencies ? { devDependencies: addonPackage.devDependencies } : {}),
      ...(addonPackage.engines ? { engines: addonPackage.engines } : {}),
    },
  };
  for (const key of [...anyAll].sort()) {
    const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...entry } = packages[key];
    const flags = {};
    if (!requiredProd.has(key)) {
      const dev = !anyProd.has(key);
      const optional = !requiredAll.has(key);
      if (dev) flags.dev = true;
      if (optional) flags.optional = true;
      if (!dev && !optional) flags.devOptional = true;
    }
    const local = key.startsWith(`${workspace}/`) ? key.slice(workspace.length + 1) : key;
    out[local] = { ...entry, ...flags };
  }
  return (
    JSON.stringify(
      {
        name: addonPackage.name,
        version: addonPackage.version,
        lockfileVersion: rootLock.lockfileVersion,
        requires: true,
        packages: out,
      },
      null,
      2,
    ) + '\n'
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rootLock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const addonPackage = JSON.parse(readFileSync(path.join(ADDON, 'package.json'), 'utf8'));
  const text = addonLockfile(rootLock, addonPackage);
  if (process.argv.includes('--check')) {
    const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
    if (current !== text) {
      console.error('addon/package-lock.json is missing or stale: run node addon/scripts/sync-lockfile.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${path.relative(ROOT, OUT)} (${Object.keys(JSON.parse(text).packages).length - 1} packages)`);
  }
}
