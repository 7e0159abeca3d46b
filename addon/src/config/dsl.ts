import { ConfigError } from './errors.js';
import type { ConfigLocation, ConfigWarning } from './errors.js';
import { setOwn } from './tree.js';
import type { TreeNode } from './tree.js';

/**
 * A small declarative schema language for the config tree. Each schema turns a located node (or nothing,
 * for a missing key) into a typed value with its default filled in, throws `CONFIG_INVALID` naming the
 * key path and position on a wrong type or value, and reports unknown keys as warnings.
 *
 * Null is read the way go2rtc's yaml.v3 structs read it: a scalar keeps its default (`listen:` with nothing
 * is still ":1984"), a list becomes empty (or null where null means "no filter"), a map becomes empty.
 */
export type Path = readonly (string | number)[];

export interface Schema<T> {
  /** Used in messages: "expected <expected>, got ...". */
  readonly expected: string;
  /** Whether this schema handles a node of this shape (unions pick the first that does). */
  accepts(node: TreeNode): boolean;
  /** `node` is undefined when the key is absent. */
  read(node: TreeNode | undefined, path: Path, ctx: SchemaContext): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** Outcome of a value check: nothing, an error (stops startup), or a warning (startup goes on). */
export type CheckResult = undefined | { readonly error: string } | { readonly warning: string };

export class SchemaContext {
  readonly warnings: ConfigWarning[] = [];
  /**
   * Set for a check that reports every problem (the config editor): a wrong value is recorded here and the
   * key left out, and reading goes on. Unset (startup), the first problem throws.
   */
  readonly errors: ConfigError[] | undefined;

  constructor(opts: { collectErrors?: boolean } = {}) {
    this.errors = opts.collectErrors ? [] : undefined;
  }

  /**
   * Reads one key, list item or map entry. When collecting, a `CONFIG_INVALID` from it is recorded and
   * `undefined` returned, so the caller leaves that part out and checks its siblings.
   */
  attempt<T>(read: () => T): { value: T } | undefined {
    if (!this.errors) return { value: read() };
    try {
      return { value: read() };
    } catch (err) {
      if (!(err instanceof ConfigError) || err.code !== 'CONFIG_INVALID') throw err;
      this.errors.push(err);
      return undefined;
    }
  }

  warn(loc: ConfigLocation, path: Path, message: string): void {
    this.warnings.push({ ...loc, path: formatPath(path), message });
  }

  fail(loc: ConfigLocation, path: Path, reason: string): never {
    throw new ConfigError('CONFIG_INVALID', reason, { ...loc, path: formatPath(path) });
  }

  /** A key with no default (and not optional) is absent; there is no node to point at. */
  missing(path: Path): never {
    throw new ConfigError('CONFIG_INVALID', 'a value is required', { path: formatPath(path) });
  }

  wrongType(node: TreeNode, path: Path, expected: string): never {
    return this.fail(node.loc, path, `expected ${expected}, got ${describeNode(node)}`);
  }
}

/** `api.listen`, `webrtc.ice_servers[0].urls`, `streams["camera.hall"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z0-9_/-]+$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

export function describeNode(node: TreeNode): string {
  if (node.kind === 'list') return 'a list';
  if (node.kind === 'map') return 'a map';
  const v = node.value;
  if (v === null) return 'null';
  if (typeof v === 'number') return `a number (${node.text})`;
  if (typeof v === 'boolean') return `a boolean (${node.text})`;
  const shown = v.length > 40 ? `${v.slice(0, 40)}...` : v;
  return `a string (${JSON.stringify(shown)})`;
}

const isScalar = (node: TreeNode): boolean => node.kind === 'scalar';
const isNull = (node: TreeNode | undefined): boolean =>
  node === undefined || (node.kind === 'scalar' && node.value === null);

function applyCheck(result: CheckResult, node: TreeNode, path: Path, ctx: SchemaContext): void {
  if (result === undefined) return;
  if ('error' in result) ctx.fail(node.loc, path, result.error);
  else ctx.warn(node.loc, path, result.warning);
}

/**
 * A string. Numbers and booleans are taken as written (`password: 12345` is "12345"), as yaml.v3 does for
 * Go string fields.
 */
export function string(
  opts: {
    default?: string;
    check?: (value: string) => CheckResult;
    expected?: string;
    /** Refuse numbers and booleans (a URL is never one). Defaults to false. */
    strict?: boolean;
  } = {},
): Schema<string> {
  const expected = opts.expected ?? 'a string';
  return {
    expected,
    accepts: (node) => node.kind === 'scalar' && (!opts.strict || typeof node.value === 'string'),
    read(node, path, ctx) {
      if (node === undefined || isNull(node)) return opts.default ?? '';
      if (node.kind !== 'scalar' || (opts.strict && typeof node.value !== 'string')) {
        return ctx.wrongType(node, path, expected);
      }
      const value = typeof node.value === 'string' ? node.value : node.text;
      if (opts.check) applyCheck(opts.check(value), node, path, ctx);
      return value;
    },
  };
}

/** An integer in [min, max]. A quoted number ("1200") is accepted. */
export function integer(
  opts: { min?: number; max?: number; default?: number; expected?: string } = {},
): Schema<number> {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const expected = opts.expected ?? 'an integer';
  return {
    expected,
    accepts: isScalar,
    read(node, path, ctx) {
      if (node === undefined || isNull(node)) {
        if (opts.default !== undefined) return opts.default;
        if (node === undefined) return ctx.missing(path);
        return ctx.wrongType(node, path, expected);
      }
      if (node.kind !== 'scalar') return ctx.wrongType(node, path, expected);
      const v = node.value;
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d{1,15}$/.test(v.trim()) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) return ctx.wrongType(node, path, expected);
      return n;
    },
  };
}

export function port(opts: { default?: number } = {}): Schema<number> {
  return integer({ ...opts, min: 0, max: 65535, expected: 'a port number (0-65535)' });
}

const TRUE = new Set(['true', 'yes', 'on']);
const FALSE = new Set(['false', 'no', 'off']);

/** true/false, and the YAML 1.1 words yes/no/on/off that yaml.v3 still accepts for Go bool fields. */
export function boolean(opts: { default?: boolean } = {}): Schema<boolean> {
  const expected = 'true or false';
  return {
    expected,
    accepts: isScalar,
    read(node, path, ctx) {
      if (node === undefined || isNull(node)) return opts.default ?? false;
      if (node.kind !== 'scalar') return ctx.wrongType(node, path, expected);
      if (typeof node.value === 'boolean') return node.value;
      const word = node.text.toLowerCase();
      if (TRUE.has(word)) return true;
      if (FALSE.has(word)) return false;
      return ctx.wrongType(node, path, expected);
    },
  };
}

/** One of a fixed set of strings; `caseInsensitive` returns the canonical spelling. */
export function oneOf<const V extends string>(
  values: readonly V[],
  opts: { default?: V; caseInsensitive?: boolean; expected?: string } = {},
): Schema<V> {
  const expected = opts.expected ?? `one of ${values.map((v) => (v === '' ? '""' : v)).join(', ')}`;
  return {
    expected,
    accepts: isScalar,
    read(node, path, ctx) {
      if (node === undefined || isNull(node)) {
        if (opts.default !== undefined) return opts.default;
        if (node === undefined) return ctx.missing(path);
        return ctx.wrongType(node, path, expected);
      }
      if (node.kind !== 'scalar') return ctx.wrongType(node, path, expected);
      const text = typeof node.value === 'string' ? node.value : node.text;
      const found = values.find((v) => (opts.caseInsensitive ? v.toLowerCase() === text.toLowerCase() : v === text));
      if (found === undefined) return ctx.fail(node.loc, path, `expected ${expected}, got ${JSON.stringify(text)}`);
      return found;
    },
  };
}

/** Absent or null gives undefined; anything else goes to `inner`. */
export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    expected: inner.expected,
    accepts: (node) => isNull(node) || inner.accepts(node),
    read: (node, path, ctx) => (node === undefined || isNull(node) ? undefined : inner.read(node, path, ctx)),
  };
}

interface ListOptions<T> {
  /** When the key is absent. Defaults to []. */
  readonly default?: readonly T[];
  readonly check?: (items: readonly T[]) => CheckResult;
}

/** A list. Null is an empty list (yaml.v3 empties a Go slice on null). */
export function list<T>(item: Schema<T>, opts: ListOptions<T> = {}): Schema<T[]> {
  const expected = `a list of ${plural(item.expected)}`;
  return {
    expected,
    accepts: (node) => node.kind === 'list',
    read(node, path, ctx) {
      // A copy each time: a module that changes its config must not change the next load's default.
      if (node === undefined) return structuredClone([...(opts.default ?? [])]);
      if (isNull(node)) return [];
      if (node.kind !== 'list') return ctx.wrongType(node, path, expected);
      const items: T[] = [];
      node.items.forEach((n, i) => {
        const read = ctx.attempt(() => item.read(n, [...path, i], ctx));
        if (read) items.push(read.value);
      });
      if (opts.check) applyCheck(opts.check(items), node, path, ctx);
      return items;
    },
  };
}

/** A list where absent or null means "not set" (no filter, allow all), which differs from `[]`. */
export function nullableList<T>(item: Schema<T>, opts: Omit<ListOptions<T>, 'default'> = {}): Schema<T[] | null> {
  const inner = list(item, opts);
  return {
    expected: inner.expected,
    accepts: (node) => inner.accepts(node),
    read: (node, path, ctx) => (node === undefined || isNull(node) ? null : inner.read(node, path, ctx)),
  };
}

/** One value or a list of them, always read as a list; null is an empty list. */
export function oneOrMany<T>(item: Schema<T>): Schema<T[]> {
  const many = list(item);
  const expected = `${item.expected} or ${many.expected}`;
  return {
    expected,
    accepts: (node) => item.accepts(node) || many.accepts(node),
    read(node, path, ctx) {
      if (node === undefined || isNull(node)) return [];
      if (node.kind === 'list') return many.read(node, path, ctx);
      if (item.accepts(node)) return [item.read(node, path, ctx)];
      return ctx.wrongType(node, path, expected);
    },
  };
}

/** The first member that accepts the node's shape reads it. */
export function union<A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> {
  const expected = `${a.expected} or ${b.expected}`;
  return {
    expected,
    accepts: (node) => a.accepts(node) || b.accepts(node),
    read(node, path, ctx) {
      if (node === undefined) return a.read(undefined, path, ctx);
      if (a.accepts(node)) return a.read(node, path, ctx);
      if (b.accepts(node)) return b.read(node, path, ctx);
      return ctx.wrongType(node, path, expected);
    },
  };
}

/** A map from free names (stream names, module names) to values; `defaults` are merged under it. */
export function record<V, D extends Record<string, V> = Record<never, V>>(
  value: Schema<V>,
  opts: { defaults?: D; expected?: string } = {},
): Schema<D & Record<string, V>> {
  const expected = opts.expected ?? `a map of ${plural(value.expected)}`;
  return {
    expected,
    accepts: (node) => node.kind === 'map',
    read(node, path, ctx) {
      // Object.assign would run the __proto__ setter for a stream named "__proto__"; setOwn does not.
      const out = Object.assign({}, opts.defaults);
      if (node !== undefined && !isNull(node)) {
        if (node.kind !== 'map') return ctx.wrongType(node, path, expected);
        for (const [key, entry] of node.entries) {
          const read = ctx.attempt(() => value.read(entry.value, [...path, key], ctx));
          if (read) setOwn<V>(out, key, read.value);
        }
      }
      return out;
    },
  };
}

export type Shape = { readonly [key: string]: Schema<unknown> };
export type ObjectOf<S extends Shape> = { -readonly [K in keyof S]: Infer<S[K]> };

interface ObjectOptions<R> {
  readonly expected?: string;
  /** Where keys outside the shape go; without it they are warned about and dropped. */
  readonly rest?: { readonly key: string; readonly schema: Schema<R> };
}

/** A map with known keys. Unknown keys are warnings: a config written for a newer go2rtc must still start. */
export function object<S extends Shape>(shape: S, opts?: { expected?: string }): Schema<ObjectOf<S>>;
export function object<S extends Shape, const RK extends string, R>(
  shape: S,
  opts: ObjectOptions<R> & { rest: { key: RK; schema: Schema<R> } },
): Schema<ObjectOf<S> & { [K in RK]: Record<string, R> }>;
export function object<S extends Shape, R>(shape: S, opts: ObjectOptions<R> = {}): Schema<ObjectOf<S>> {
  const expected = opts.expected ?? 'a map';
  return {
    expected,
    accepts: (node) => node.kind === 'map',
    read(node, path, ctx) {
      if (node !== undefined && !isNull(node) && node.kind !== 'map') return ctx.wrongType(node, path, expected);
      const entries = node?.kind === 'map' ? node.entries : new Map<string, never>();
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(shape)) {
        const read = ctx.attempt(() => schema.read(entries.get(key)?.value, [...path, key], ctx));
        if (read) setOwn(out, key, read.value);
      }
      const rest: Record<string, R> = {};
      for (const [key, entry] of entries) {
        if (Object.hasOwn(shape, key)) continue;
        if (opts.rest) {
          const schema = opts.rest.schema;
          const read = ctx.attempt(() => schema.read(entry.value, [...path, key], ctx));
          if (read) setOwn(rest, key, read.value);
        } else {
          ctx.warn(entry.keyLoc, [...path, key], `unknown key "${key}"`);
        }
      }
      if (opts.rest) setOwn(out, opts.rest.key, rest);
      // The loop above filled exactly the keys of the shape with the values their schemas produced.
      return out as ObjectOf<S>;
    },
  };
}

/** Maps a value after reading (normalising, dropping entries). */
export function transform<T, U>(inner: Schema<T>, fn: (value: T) => U): Schema<U> {
  return {
    expected: inner.expected,
    accepts: (node) => inner.accepts(node),
    read: (node, path, ctx) => fn(inner.read(node, path, ctx)),
  };
}

/** A go2rtc section ts2rtc does not implement: accepted with a warning, and left out of the config. */
export function unsupported(what: string): Schema<undefined> {
  return {
    expected: 'any value',
    accepts: () => true,
    read(node, path, ctx) {
      if (node !== undefined) ctx.warn(node.loc, path, `${what} is not implemented by ts2rtc; this section is ignored`);
      return undefined;
    },
  };
}

/** "a port number (0-65535)" → "port numbers (0-65535)", for "a list of ..." messages. */
function plural(expected: string): string {
  const m = /^an? (.*?)( \(.*\))?$/.exec(expected);
  if (!m) return `values that are ${expected}`;
  const body = m[1] ?? '';
  const of = body.indexOf(' of ');
  const plain = of >= 0 ? `${body.slice(0, of)}s${body.slice(of)}` : `${body}s`;
  return plain + (m[2] ?? '');
}
