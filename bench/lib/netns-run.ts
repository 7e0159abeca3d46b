/**
 * Benches with WebRTC run in a private network namespace (loopback only: werift and the servers would
 * otherwise gather the machine's real interfaces). The outer process re-runs the bench file there and
 * passes its output on as it comes: the inner one writes its lines to a file (BENCH_PROGRESS), which the
 * outer follows, since the namespace runner hands over stdout only at the end.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inNetns, runInNetns } from '../../test/peers/netns.js';

/** A line for the user: to stdout, and to the progress file when inside the namespace. */
export function progress(line: string): void {
  const file = process.env['BENCH_PROGRESS'];
  if (file) appendFileSync(file, `${line}\n`);
  else process.stdout.write(`${line}\n`);
}

/**
 * Runs `main` here when inside the namespace (then exits: werift leaves timers behind after close),
 * otherwise re-runs `file` with `args` inside one and mirrors its progress.
 */
export async function inOwnNetns(
  file: string,
  args: readonly string[],
  timeoutMs: number,
  main: () => Promise<void>,
): Promise<void> {
  if (inNetns()) {
    await main();
    process.exit(process.exitCode ?? 0);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ts2rtc-bench-netns-'));
  const progressFile = path.join(dir, 'progress.log');
  appendFileSync(progressFile, '');
  let shown = 0;
  const follow = (): void => {
    const text = readFileSync(progressFile, 'utf8');
    process.stdout.write(text.slice(shown));
    shown = text.length;
  };
  const timer = setInterval(follow, 1000);
  try {
    const result = await runInNetns(process.execPath, ['--import', 'tsx', '--expose-gc', file, ...args], {
      timeoutMs,
      env: { ...process.env, BENCH_PROGRESS: progressFile },
    });
    follow();
    const rest = result.stdout
      .split('\n')
      .filter((l) => l && !l.startsWith('result '))
      .join('\n');
    if (rest) process.stdout.write(`${rest}\n`);
    process.stderr.write(result.stderr);
    process.exitCode = result.code ?? 1;
  } finally {
    clearInterval(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}
