/**
 * ffmpeg as a reference decoder/encoder for the payload format tests (run synchronously, with a timeout).
 * When it is not installed, `FFMPEG_SKIP` holds the reason and the tests that need it are skipped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const probe = spawnSync('ffmpeg', ['-version'], { encoding: 'utf8', timeout: 10_000 });
export const FFMPEG_SKIP: string | false =
  probe.error !== undefined ? `ffmpeg not runnable (${probe.error.message})` : false;

/** Runs ffmpeg with `args` (`pipe:0` reads `input`), returns stdout. */
export function ffmpeg(args: readonly string[], input?: Buffer): Buffer {
  const run = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], {
    input,
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.error, undefined, String(run.error));
  assert.equal(run.status, 0, run.stderr.toString());
  return run.stdout;
}

/** ffmpeg's per-frame checksums of what it decodes (`-f framemd5`), one line per frame, header comments removed. */
export function decodedFrameMd5(inputArgs: readonly string[], input: Buffer): string[] {
  return ffmpeg([...inputArgs, '-i', 'pipe:0', '-f', 'framemd5', 'pipe:1'], input)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)?.trim() ?? '');
}
