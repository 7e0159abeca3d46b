import assert from 'node:assert/strict';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The real tree (the tests may run from a transpiled mirror of it: scripts/test-mirror.mjs). */
const ROOT = path.dirname(realpathSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../package.json')));

/** What starts a process from a test: node's child_process, or the peers' launchers. */
const SPAWNS =
  /from 'node:child_process'|peers\/(process|ffmpeg|gst-camera|gst-client|chromium|nginx-rtmp|hap-camera)\.js'|e2e\/pkg\/rtp\/ffmpeg\.js'/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

it('unit tests start no process (ffmpeg, shells, browsers belong to test/e2e)', () => {
  const self = path.join(ROOT, 'test/unit/layout.test.ts');
  const spawning = sources(path.join(ROOT, 'test/unit'))
    .filter((file) => file !== self && SPAWNS.test(readFileSync(file, 'utf8')))
    .map((file) => path.relative(ROOT, file));
  assert.deepEqual(spawning, []);
});
