import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { SchemaContext, describeNode } from './dsl.js';
import { makeResolver, readEnvSection, substituteVars } from './env.js';
import { ConfigError } from './errors.js';
import type { ConfigWarning } from './errors.js';
import { configSchema, stripUnsupported } from './schema.js';
import type { Config } from './schema.js';
import { SourceText } from './source.js';
import { mergeTrees, parseSource } from './tree.js';
import type { MapEntry, TreeNode } from './tree.js';

/**
 * Reads the `-c` values the way go2rtc's internal/app/config.go does: each is a file path, an inline
 * YAML/JSON document (`{...}`), or `key.path=value`; later ones merge over earlier ones; the first file
 * named is where API edits are written, even when it does not exist yet.
 */

/** Looked for in the working directory when no `-c` is given; the first that exists is used. */
export const DEFAULT_CONFIG_FILES = ['ts2rtc.yaml', 'go2rtc.yaml'] as const;

export interface LoadOptions {
  /** Relative config paths are resolved against this. */
  readonly cwd: string;
  /** For `${VAR}` substitution; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedConfig {
  readonly config: Config;
  /** Absolute paths of the config files read, in order. */
  readonly files: string[];
  /** Absolute path API edits go to; undefined when only inline configs were given (the API answers 410). */
  readonly writablePath?: string;
  readonly warnings: ConfigWarning[];
  /** Values that came from variables or `env:` sections; the logger masks them as go2rtc does. */
  readonly secrets: string[];
}

export type ConfigArgKind = 'file' | 'inline' | 'key-value';

/**
 * go2rtc: a value starting with `{` is inline YAML/JSON, one with `=` whose left side has at least two
 * dotted parts is key=value, anything else a file. ts2rtc also reads a value with a newline as inline YAML
 * (no file name has one), and a value with ": " that is not an existing file.
 */
export function classifyConfigArg(arg: string, fileExists: (path: string) => boolean = existsSync): ConfigArgKind {
  if (arg.trimStart().startsWith('{') || arg.includes('\n')) return 'inline';
  if (keyValueSplit(arg)) return 'key-value';
  if (arg.includes(': ') && !fileExists(arg)) return 'inline';
  return 'file';
}

function keyValueSplit(arg: string): { keys: string[]; eq: number } | undefined {
  const eq = arg.indexOf('=');
  if (eq < 0) return undefined;
  const keys = arg.slice(0, eq).split('.');
  // Empty or spaced parts mean a path such as "./my=1.yaml", not a key.
  if (keys.length < 2 || keys.some((k) => k === '' || /\s/.test(k))) return undefined;
  return { keys, eq };
}

interface Loaded {
  trees: TreeNode[];
  warnings: ConfigWarning[];
  secrets: string[];
}

export function loadConfig(args: readonly string[], opts: LoadOptions): LoadedConfig {
  const env = opts.env ?? process.env;
  const loaded: Loaded = { trees: [], warnings: [], secrets: [] };
  const envSection = new Map<string, string>();
  const files: string[] = [];
  let writablePath: string | undefined;

  const readFile = (label: string, required: boolean): void => {
    const abs = isAbsolute(label) ? label : resolve(opts.cwd, label);
    writablePath ??= abs;
    const raw = readText(abs, label);
    if (raw === undefined) {
      if (required) {
        const what = abs === writablePath ? 'API edits will create it' : 'skipped';
        loaded.warnings.push({ file: label, line: 1, column: 1, path: '', message: `file not found; ${what}` });
      }
      return;
    }
    files.push(abs);
    for (const [k, v] of readEnvSection(raw)) {
      envSection.set(k, v);
      if (v !== '') loaded.secrets.push(v);
    }
    addSource(loaded, fileSource(label, raw, makeResolver({ envSection, env }), loaded));
  };

  if (args.length === 0) {
    const found = DEFAULT_CONFIG_FILES.filter((name) => existsSync(resolve(opts.cwd, name)));
    const [first, ...ignored] = found;
    if (first === undefined) writablePath = resolve(opts.cwd, DEFAULT_CONFIG_FILES[0]);
    else readFile(first, false);
    for (const name of ignored) {
      loaded.warnings.push({ file: name, line: 1, column: 1, path: '', message: `ignored: ${first} is read instead` });
    }
  }

  args.forEach((arg, i) => {
    if (arg === '') return;
    const label = `-c#${i + 1}`;
    const kind = classifyConfigArg(arg, (p) => existsSync(resolve(opts.cwd, p)));
    if (kind === 'file') readFile(arg, true);
    else if (kind === 'inline') addSource(loaded, new SourceText(label, arg));
    else loaded.trees.push(keyValueTree(label, arg));
  });

  const { config, warnings } = validate(loaded.trees);
  const result = { config, files, warnings: [...loaded.warnings, ...warnings], secrets: unique(loaded.secrets) };
  return writablePath === undefined ? result : { ...result, writablePath };
}

/**
 * One config text read like a config file (with `${VAR}` substitution) but from memory: for checking a
 * config before it is written, and for the fuzz tests.
 */
export function loadConfigText(
  text: string,
  opts: { label?: string; env?: Readonly<Record<string, string | undefined>> } = {},
): Omit<LoadedConfig, 'files' | 'writablePath'> {
  const loaded: Loaded = { trees: [], warnings: [], secrets: [] };
  const envSection = readEnvSection(text);
  loaded.secrets.push(...[...envSection.values()].filter((v) => v !== ''));
  const resolver = makeResolver({ envSection, env: opts.env ?? process.env });
  addSource(loaded, fileSource(opts.label ?? 'config', text, resolver, loaded));
  const { config, warnings } = validate(loaded.trees);
  return { config, warnings: [...loaded.warnings, ...warnings], secrets: unique(loaded.secrets) };
}

/** What `checkConfigText` found: every problem of the text, each with its line and key path. */
export interface ConfigCheck {
  /** Syntax (only the first: the parser stops there) or invalid values (all of them). Empty when valid. */
  readonly errors: ConfigError[];
  readonly warnings: ConfigWarning[];
  /** The config the text gives; only when there are no errors. */
  readonly config?: Config;
  readonly secrets: string[];
}

/**
 * Checks one config text with the schema startup uses, but reports every invalid value instead of the first
 * (for the config editor and `POST /api/config`). Startup keeps `loadConfig`, which stops at the first.
 */
export function checkConfigText(
  text: string,
  opts: { label?: string; env?: Readonly<Record<string, string | undefined>> } = {},
): ConfigCheck {
  const loaded: Loaded = { trees: [], warnings: [], secrets: [] };
  const envSection = readEnvSection(text);
  loaded.secrets.push(...[...envSection.values()].filter((v) => v !== ''));
  const resolver = makeResolver({ envSection, env: opts.env ?? process.env });
  try {
    addSource(loaded, fileSource(opts.label ?? 'config', text, resolver, loaded));
  } catch (err) {
    if (err instanceof ConfigError)
      return { errors: [err], warnings: loaded.warnings, secrets: unique(loaded.secrets) };
    throw err;
  }
  const ctx = new SchemaContext({ collectErrors: true });
  const tree = loaded.trees[0];
  let config: Config | undefined;
  if (tree !== undefined && tree.kind !== 'map') {
    ctx.errors?.push(
      new ConfigError(
        'CONFIG_INVALID',
        `expected a map of sections at the top level, got ${describeNode(tree)}`,
        tree.loc,
      ),
    );
  } else {
    const read = ctx.attempt(() => stripUnsupported(configSchema.read(tree, [], ctx)));
    config = read?.value;
  }
  const errors = ctx.errors ?? [];
  const result = { errors, warnings: [...loaded.warnings, ...ctx.warnings], secrets: unique(loaded.secrets) };
  return errors.length === 0 && config !== undefined ? { ...result, config } : result;
}

function readText(abs: string, label: string): string | undefined {
  try {
    return readFileSync(abs, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError('CONFIG_READ', `cannot read the file: ${reason}`, { file: label }, { cause: err });
  }
}

function fileSource(label: string, raw: string, resolver: ReturnType<typeof makeResolver>, loaded: Loaded): SourceText {
  const sub = substituteVars(raw, resolver);
  const source = new SourceText(label, raw, sub.text, sub.replacements);
  loaded.secrets.push(...sub.secrets);
  const plain = new SourceText(label, raw);
  for (const u of sub.unresolved) {
    loaded.warnings.push({
      ...plain.locate(u.offset),
      path: '',
      message: `variable ${u.name} is not set and has no default; kept as written`,
    });
  }
  return source;
}

function addSource(loaded: Loaded, source: SourceText): void {
  const { tree, warnings } = parseSource(source);
  loaded.warnings.push(...warnings);
  if (tree !== undefined) loaded.trees.push(tree);
}

/** `log.level=trace` → {log: {level: trace}}; the value is YAML (`webrtc.candidates=[a, b]` is a list). */
function keyValueTree(label: string, arg: string): TreeNode {
  const split = keyValueSplit(arg);
  if (!split) throw new ConfigError('CONFIG_SYNTAX', 'expected key.path=value', { file: label, line: 1, column: 1 });
  const whole = new SourceText(label, arg);
  const valueText = arg.slice(split.eq + 1);
  const valueSource = new SourceText(label, arg, valueText, [], split.eq + 1);
  // An empty value is "" (the intent of `rtsp.listen=` is to disable), where go2rtc would read null.
  let node: TreeNode =
    valueText.trim() === ''
      ? { kind: 'scalar', value: '', text: '', loc: valueSource.locate(0) }
      : (parseSource(valueSource).tree ?? { kind: 'scalar', value: null, text: '', loc: valueSource.locate(0) });
  let offset = split.eq;
  for (let i = split.keys.length - 1; i >= 0; i--) {
    const key = split.keys[i] ?? '';
    offset -= key.length + (i < split.keys.length - 1 ? 1 : 0);
    const keyLoc = whole.locate(offset);
    const entry: MapEntry = { key, keyLoc, value: node };
    node = { kind: 'map', entries: new Map([[key, entry]]), loc: keyLoc };
  }
  return node;
}

function validate(trees: readonly TreeNode[]): { config: Config; warnings: ConfigWarning[] } {
  for (const tree of trees) {
    if (tree.kind !== 'map') {
      throw new ConfigError(
        'CONFIG_INVALID',
        `expected a map of sections at the top level, got ${describeNode(tree)}`,
        tree.loc,
      );
    }
  }
  const merged = trees.reduce<TreeNode | undefined>((acc, t) => (acc ? mergeTrees(acc, t) : t), undefined);
  const ctx = new SchemaContext();
  const config = stripUnsupported(configSchema.read(merged, [], ctx));
  return { config, warnings: ctx.warnings };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
