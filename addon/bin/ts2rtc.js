#!/usr/bin/env node
// The `ts2rtc` command (`npx ts2rtc`). npm links a package's bin when it installs, which in a fresh clone is
// before `npm run build` has made dist/: a bin pointing into dist/ is then silently not linked. This file is
// committed, so the link always exists, and it says what to do when the build is missing.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('ts2rtc: the server is not built yet: run `npm run build` in the repository first\n');
  process.exit(1);
}
await import(main.href);
