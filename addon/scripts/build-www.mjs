#!/usr/bin/env node
// Bundles the web UI's config editor (CodeMirror 6 + YAML) into www/dist/editor.js, so the panel loads
// nothing from another origin. Run by `npm run build` in addon/ (the add-on image builds from addon/ alone);
// www/dist/ is generated, not committed.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const addon = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(addon, 'www', 'dist');
await mkdir(outdir, { recursive: true });
const result = await build({
  entryPoints: [path.join(addon, 'www', 'src', 'editor.js')],
  outfile: path.join(outdir, 'editor.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  // CodeMirror is MIT-licensed: its notices go to editor.js.LEGAL.txt beside the bundle.
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`build-www: www/dist/editor.js ${(bytes / 1024).toFixed(0)} KiB`);
