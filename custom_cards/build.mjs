#!/usr/bin/env node
// Bundles the card: custom_cards/src/index.ts → one minified ES module, written to
//   custom_cards/dist/webrtc-camera.js                               (the release file, HACS / `/local/`)
//   integration/custom_components/ts2rtc/www/webrtc-camera.js        (served by the integration at /ts2rtc/webrtc-camera.js)
// Run from anywhere: `node custom_cards/build.mjs` (add `--watch` while editing). Prints the sizes.
import { build, context } from 'esbuild';
import { mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.join(here, 'dist', 'webrtc-camera.js');
const integrationCopy = path.join(here, '..', 'integration', 'custom_components', 'ts2rtc', 'www', 'webrtc-camera.js');

const options = {
  entryPoints: [path.join(here, 'src', 'index.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  minify: true,
  // Home Assistant's frontend supports the recent versions of the main browsers; ES2021 covers them
  // (Chrome 85+, Safari 14.1+, Firefox 79+) and keeps Lit's code as shipped.
  target: 'es2021',
  legalComments: 'eof',
  sourcemap: false,
  logLevel: 'warning',
  tsconfig: path.join(here, 'tsconfig.json'),
};

function copyAndReport() {
  mkdirSync(path.dirname(integrationCopy), { recursive: true });
  copyFileSync(outfile, integrationCopy);
  const bytes = readFileSync(outfile);
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(
    `webrtc-camera.js: ${bytes.length} bytes, ${gz} bytes gzip → ${path.relative(process.cwd(), outfile)}, ${path.relative(process.cwd(), integrationCopy)}`,
  );
}

if (process.argv.includes('--watch')) {
  const ctx = await context({
    ...options,
    plugins: [{ name: 'copy', setup: (b) => b.onEnd((r) => r.errors.length === 0 && copyAndReport()) }],
  });
  await ctx.watch();
} else {
  await build(options);
  copyAndReport();
}
