import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, parseDocument, Scalar } from 'yaml';
import type { Replacement } from './source.js';

/**
 * `${NAME}` and `${NAME:default}` in config files, as go2rtc does (internal/app, pkg/creds): the raw file
 * text is rewritten before YAML parsing, so a variable works anywhere (inside quotes, in keys, as a
 * number). Values come from, in order: the `env:` sections of the config files read so far, the file
 * `$CREDENTIALS_DIRECTORY/NAME` (systemd credentials, trimmed), the process environment. A name that
 * resolves nowhere and has no default is left as written. Inline `-c` values are not substituted (go2rtc
 * neither).
 */
export type VarResolver = (name: string) => string | undefined;

export interface Substitution {
  readonly text: string;
  readonly replacements: Replacement[];
  /** Values that came from a variable (not defaults): go2rtc masks these in logs. */
  readonly secrets: string[];
  /** `${NAME}` with no value and no default, with the offset of the `$` in the original text. */
  readonly unresolved: { readonly name: string; readonly offset: number }[];
}

// Same shape as go2rtc's `\${([^}{]+)}`: no braces inside.
const VAR = /\$\{([^{}]+)\}/g;

export function substituteVars(original: string, resolve: VarResolver): Substitution {
  const replacements: Replacement[] = [];
  const secrets: string[] = [];
  const unresolved: { name: string; offset: number }[] = [];
  let text = '';
  let last = 0;
  for (const match of original.matchAll(VAR)) {
    const inner = match[1] ?? '';
    const inStart = match.index;
    const inEnd = inStart + match[0].length;
    const colon = inner.indexOf(':');
    const name = colon > 0 ? inner.slice(0, colon) : inner;
    const fallback = colon > 0 ? inner.slice(colon + 1) : undefined;
    const found = resolve(name);
    const value = found ?? fallback;
    if (value === undefined) {
      unresolved.push({ name, offset: inStart });
      continue;
    }
    if (found !== undefined && found !== '') secrets.push(found);
    text += original.slice(last, inStart);
    const outStart = text.length;
    text += value;
    replacements.push({ outStart, outEnd: text.length, inStart, inEnd });
    last = inEnd;
  }
  text += original.slice(last);
  return { text, replacements, secrets, unresolved };
}

export interface ResolverOptions {
  /** Values of the `env:` sections read so far (checked first, as go2rtc's storage is). */
  readonly envSection: ReadonlyMap<string, string>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function makeResolver(opts: ResolverOptions): VarResolver {
  return (name) => {
    const fromSection = opts.envSection.get(name);
    if (fromSection !== undefined) return fromSection;
    const dir = opts.env['CREDENTIALS_DIRECTORY'];
    if (dir !== undefined) {
      const fromFile = readCredential(dir, name);
      if (fromFile !== undefined) return fromFile;
    }
    return opts.env[name];
  };
}

function readCredential(dir: string, name: string): string | undefined {
  // go2rtc joins the name to the directory as is; a name is a key, never a path, so refuse separators.
  if (name === '.' || name === '..' || /[/\\\0]/.test(name)) return undefined;
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    // A missing credential file is the normal "not set here, try the environment" case.
    return undefined;
  }
}

/**
 * The `env:` map of one file's raw text, read before substitution as go2rtc does. A file that does not
 * parse gives nothing here; the real parse reports the error with its position.
 */
export function readEnvSection(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!raw.includes('env')) return out;
  const doc = parseDocument(raw, { prettyErrors: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return out;
  const env = doc.contents.get('env', true);
  if (!isMap(env)) return out;
  for (const pair of env.items) {
    if (!isScalar(pair.key) || !isScalar(pair.value)) continue;
    out.set(scalarString(pair.key, raw), scalarString(pair.value, raw));
  }
  return out;
}

function scalarString(node: Scalar, raw: string): string {
  if (node.value === null || node.value === undefined) return '';
  if (node.type === Scalar.PLAIN && node.range) return raw.slice(node.range[0], node.range[1]);
  return String(node.value);
}
