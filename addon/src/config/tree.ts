import { isAlias, isMap, isScalar, isSeq, parseDocument, Scalar } from 'yaml';
import type { Document, Node as YamlNode, YAMLError } from 'yaml';
import { ConfigError } from './errors.js';
import type { ConfigLocation, ConfigWarning } from './errors.js';
import type { SourceText } from './source.js';

/**
 * A config document as plain data in which every node remembers where it was written. Several `-c`
 * sources are merged at this level, so a validation error still names the file and line of the value that
 * won the merge.
 */
export type ScalarValue = string | number | boolean | null;

export interface ScalarNode {
  readonly kind: 'scalar';
  readonly value: ScalarValue;
  /** As written for plain scalars (`1.10` stays "1.10"), the value for quoted ones. */
  readonly text: string;
  readonly loc: ConfigLocation;
}
export interface ListNode {
  readonly kind: 'list';
  readonly items: readonly TreeNode[];
  readonly loc: ConfigLocation;
}
export interface MapEntry {
  readonly key: string;
  readonly keyLoc: ConfigLocation;
  readonly value: TreeNode;
}
export interface MapNode {
  readonly kind: 'map';
  /** In document order. */
  readonly entries: ReadonlyMap<string, MapEntry>;
  readonly loc: ConfigLocation;
}
export type TreeNode = ScalarNode | ListNode | MapNode;

/** JSON-like value: what the config writer accepts. */
export type YamlValue = ScalarValue | YamlValue[] | { [key: string]: YamlValue };

/**
 * Every node an alias expands to counts, so `a: &a [*b, *b, ...]` chains (the "billion laughs") stop
 * here instead of eating memory. Real configs have a few hundred nodes.
 */
export const MAX_TREE_NODES = 100_000;

export interface ParsedSource {
  /** Undefined for an empty document (only comments, or nothing). */
  readonly tree: TreeNode | undefined;
  readonly warnings: ConfigWarning[];
}

/** Parses one source. A YAML error throws `CONFIG_SYNTAX` with the line and column of the first error. */
export function parseSource(source: SourceText): ParsedSource {
  // merge: `<<: *defaults` is common in go2rtc configs (yaml.v3 supports it). prettyErrors off: we add
  // our own position, taken from the original text.
  const doc = parseDocument(source.text, { merge: true, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) throw yamlSyntaxError(first, source);
  const warnings: ConfigWarning[] = doc.warnings.map((w) => ({
    ...source.locate(w.pos[0]),
    path: '',
    message: yamlReason(w.message),
  }));
  if (doc.contents === null) return { tree: undefined, warnings };
  const builder = new TreeBuilder(doc, source);
  return { tree: builder.convert(doc.contents, 0), warnings };
}

/** `CONFIG_SYNTAX` for the yaml package's error, positioned in the original text. */
export function yamlSyntaxError(err: YAMLError, source: SourceText): ConfigError {
  // The library's wording for this one points at its own API; say what to change in the file instead.
  const reason =
    err.code === 'MULTIPLE_DOCS'
      ? 'a config holds one YAML document; remove the second "---"'
      : yamlReason(err.message);
  return new ConfigError('CONFIG_SYNTAX', reason, source.locate(err.pos[0]));
}

/** The yaml package ends some messages with "at line N, column M"; ours carry the position up front. */
function yamlReason(message: string): string {
  const cut = message.search(/ at line \d+, column \d+/);
  const short = (cut >= 0 ? message.slice(0, cut) : message).trim();
  return short.replace(/:$/, '');
}

class TreeBuilder {
  private budget = MAX_TREE_NODES;
  private readonly expanding = new Set<YamlNode>();

  constructor(
    private readonly doc: Document,
    private readonly source: SourceText,
  ) {}

  convert(node: unknown, fallbackOffset: number): TreeNode {
    if (--this.budget < 0) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `too many values after expanding aliases (limit ${MAX_TREE_NODES})`,
        this.source.locate(fallbackOffset),
      );
    }
    if (node === null || node === undefined) {
      return { kind: 'scalar', value: null, text: '', loc: this.source.locate(fallbackOffset) };
    }
    if (isAlias(node)) {
      const at = node.range?.[0] ?? fallbackOffset;
      const target = node.resolve(this.doc);
      if (!target) throw new ConfigError('CONFIG_SYNTAX', `unknown alias *${node.source}`, this.source.locate(at));
      if (this.expanding.has(target)) {
        throw new ConfigError('CONFIG_INVALID', `alias *${node.source} refers to itself`, this.source.locate(at));
      }
      this.expanding.add(target);
      try {
        return this.convert(target, at);
      } finally {
        this.expanding.delete(target);
      }
    }
    const start = isScalar(node) || isMap(node) || isSeq(node) ? (node.range?.[0] ?? fallbackOffset) : fallbackOffset;
    const loc = this.source.locate(start);
    if (isScalar(node))
      return {
        kind: 'scalar',
        value: scalarValue(node.value, this.scalarText(node)),
        text: this.scalarText(node),
        loc,
      };
    if (isSeq(node)) return { kind: 'list', items: node.items.map((item) => this.convert(item, start)), loc };
    if (isMap(node)) return this.convertMap(node.items, start, loc);
    throw new ConfigError('CONFIG_INVALID', 'unsupported YAML node', loc);
  }

  private convertMap(pairs: readonly { key: unknown; value: unknown }[], start: number, loc: ConfigLocation): MapNode {
    const entries = new Map<string, MapEntry>();
    const merges: MapNode[] = [];
    for (const pair of pairs) {
      const keyNode = pair.key;
      const keyOffset = rangeStart(keyNode) ?? start;
      const valueOffset = rangeStart(pair.value) ?? keyOffset;
      if (isMergeKey(keyNode)) {
        merges.push(...this.mergeSources(pair.value, valueOffset));
        continue;
      }
      const key = this.keyText(keyNode, keyOffset);
      entries.set(key, { key, keyLoc: this.source.locate(keyOffset), value: this.convert(pair.value, valueOffset) });
    }
    // YAML merge keys: explicit keys win, and among merged maps the earlier one wins.
    for (const merged of merges) {
      for (const [key, entry] of merged.entries) if (!entries.has(key)) entries.set(key, entry);
    }
    return { kind: 'map', entries, loc };
  }

  private mergeSources(value: unknown, offset: number): MapNode[] {
    const converted = this.convert(value, offset);
    const maps = converted.kind === 'list' ? converted.items : [converted];
    return maps.map((m) => {
      if (m.kind !== 'map')
        throw new ConfigError('CONFIG_INVALID', 'merge key << needs a map or a list of maps', m.loc);
      return m;
    });
  }

  private keyText(keyNode: unknown, offset: number): string {
    const resolved = isAlias(keyNode) ? keyNode.resolve(this.doc) : keyNode;
    if (resolved === null || resolved === undefined) return '';
    if (isScalar(resolved)) return this.scalarText(resolved);
    throw new ConfigError('CONFIG_INVALID', 'a key must be a string, not a list or a map', this.source.locate(offset));
  }

  private scalarText(node: Scalar): string {
    const range = node.range;
    if (node.type === Scalar.PLAIN && range) return this.source.text.slice(range[0], range[1]);
    const v = node.value;
    return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  }
}

function scalarValue(value: unknown, text: string): ScalarValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  // Anything else a custom tag could produce (binary, dates) is kept as its source text.
  return text;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return (typeof v === 'symbol' && v.description === '<<') || (key.type === Scalar.PLAIN && v === '<<');
}

function rangeStart(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range?.[0];
  return undefined;
}

/**
 * Later sources over earlier ones: maps merge key by key (recursively), anything else replaces. A null over
 * a map keeps the map, since `api:` with nothing under it adds nothing.
 */
export function mergeTrees(base: TreeNode, patch: TreeNode): TreeNode {
  if (base.kind === 'map' && patch.kind === 'scalar' && patch.value === null) return base;
  if (base.kind !== 'map' || patch.kind !== 'map') return patch;
  const entries = new Map(base.entries);
  for (const [key, entry] of patch.entries) {
    const prev = entries.get(key);
    entries.set(key, prev ? { ...entry, value: mergeTrees(prev.value, entry.value) } : entry);
  }
  return { kind: 'map', entries, loc: patch.loc };
}

/**
 * Sets a key that came from a config file. A plain assignment would treat `__proto__` as the prototype
 * setter; a defined property is an ordinary key whatever its name.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
