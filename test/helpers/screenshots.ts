import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where a test writes its screenshots: the committed folder the README shows only when asked
 * (`UPDATE_SCREENSHOTS=1`), a scratch folder otherwise, so a test run leaves the checkout unchanged (every run
 * re-encodes the PNGs a little differently).
 */
export function screenshotDir(committed: string): string {
  const dir =
    process.env['UPDATE_SCREENSHOTS'] === '1'
      ? committed
      : path.join(tmpdir(), 'ts2rtc-screenshots', path.basename(committed));
  mkdirSync(dir, { recursive: true });
  return dir;
}
