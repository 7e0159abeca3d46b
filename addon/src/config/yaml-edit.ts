import { isDeepStrictEqual } from 'node:util';
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar, stringify, visit, YAMLMap } from 'yaml';
import type { Document, Pair } from 'yaml';
import { ConfigError } from './errors.js';
import { SourceText } from './source.js';
import { yamlSyntaxError } from './tree.js';
import type { YamlValue } from './tree.js';

/**
 * Edits of a config file's text that leave every byte outside the edited key as it was: comments, blank
 * lines, quoting and the spacing before `# comments` (which a parse + re-stringify would normalise).
 *
 * The yaml Document gives the position of each node; the new key is rendered in block style with the
 * indentation and list style of the file and spliced in. The result is parsed again and compared with the
 * intended data; a layout the splicer does not handle (flow-style parents, keys sharing a line) or a
 * mismatch falls back to editing the Document and re-stringifying it, which keeps comments but not every
 * space.
 */

export function parseConfigDocument(text: string, label: string): Document.Parsed {
  const doc = parseDocument(text, { merge: true, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) throw yamlSyntaxError(err, new SourceText(label, text));
  // The yaml library only notices an alias without an anchor when stringifying; catch it with a position.
  visit(doc, {
    Alias(_key, node) {
      if (!node.resolve(doc)) {
        throw new ConfigError(
          'CONFIG_SYNTAX',
          `unknown alias *${node.source}`,
          new SourceText(label, text).locate(node.range?.[0] ?? 0),
        );
      }
    },
  });
  const root = doc.contents;
  if (root !== null && !isMap(root)) {
    const at = new SourceText(label, text).locate(root.range?.[0] ?? 0);
    throw new ConfigError('CONFIG_INVALID', 'expected a map of sections at the top level', at);
  }
  return doc;
}

/** Sets (or, with `undefined`, deletes) `keys` in a YAML text. Intermediate maps are created as needed. */
export function setYamlValue(
  text: string,
  keys: readonly string[],
  value: YamlValue | undefined,
  label = 'config',
): string {
  if (keys.length === 0) throw new ConfigError('CONFIG_WRITE', 'empty key path', { file: label });
  const doc = parseConfigDocument(text, label);
  const before = plainOf(doc);
  const expected = before === undefined ? undefined : applyEdit(before, keys, value);
  const spliced = spliceEdit(doc, text, keys, value);
  if (spliced !== undefined) {
    const check = parseDocument(spliced, { merge: true, uniqueKeys: true });
    if (check.errors.length === 0 && (expected === undefined || isDeepStrictEqual(plainOf(check), expected)))
      return spliced;
  }
  return documentEdit(doc, text, keys, value, label);
}

/** `patch` merged into `text`: maps merge key by key, anything else (lists, scalars, null) replaces. */
export function mergeYamlText(text: string, patch: string, label = 'config'): string {
  const patchDoc = parseConfigDocument(patch, 'patch');
  const root = patchDoc.contents;
  if (!isMap(root)) return text;
  let out = text;
  const walk = (map: YAMLMap, prefix: readonly string[]): void => {
    for (const pair of map.items) {
      const key = keyString(pair.key, patch);
      if (key === undefined) continue;
      const path = [...prefix, key];
      const value = pair.value;
      if (isMap(value) && value.items.length > 0 && isMap(parseConfigDocument(out, label).getIn(path, true))) {
        walk(value, path);
      } else {
        out = setYamlValue(out, path, toYamlValue(value, patchDoc), label);
      }
    }
  };
  walk(root, []);
  return out;
}

function plainOf(doc: Document): YamlValue | undefined {
  try {
    return toYamlValue(doc.contents, doc);
  } catch {
    // Too many aliases for toJS: the splice is then checked for syntax only.
    return undefined;
  }
}

function toYamlValue(node: unknown, doc: Document): YamlValue {
  if (node === null || node === undefined) return null;
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) {
    const js: unknown = node.toJS(doc, { maxAliasCount: 1000 });
    return JSON.parse(JSON.stringify(js ?? null)) as YamlValue;
  }
  return null;
}

function applyEdit(root: YamlValue, keys: readonly string[], value: YamlValue | undefined): YamlValue {
  const copy: YamlValue = structuredClone(root ?? {});
  let cur = copy;
  let parent: { [k: string]: YamlValue } | undefined;
  for (const [i, key] of keys.entries()) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return copy;
    const last = i === keys.length - 1;
    if (last) {
      if (value !== undefined) {
        Object.defineProperty(cur, key, { value, enumerable: true, writable: true, configurable: true });
      } else if (Object.hasOwn(cur, key)) {
        delete cur[key];
        // Deleting the last line under `preload:` leaves `preload:` with nothing, which YAML reads as null.
        if (parent && Object.keys(cur).length === 0) {
          Object.defineProperty(parent, keys[i - 1] ?? '', {
            value: null,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      }
      return copy;
    }
    parent = cur;
    // Own keys only: `__proto__` must name a key, never reach Object.prototype.
    const next = Object.hasOwn(cur, key) ? cur[key] : undefined;
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) {
      if (value === undefined) return copy;
      const fresh: { [k: string]: YamlValue } = {};
      Object.defineProperty(cur, key, { value: fresh, enumerable: true, writable: true, configurable: true });
      cur = fresh;
    } else {
      cur = next;
    }
  }
  return copy;
}

interface Layout {
  /** Spaces per nesting level. */
  unit: number;
  /** Whether `- item` lines are indented under their key. */
  indentSeq: boolean;
  /** The file's line break, so a Windows-edited file stays CRLF. */
  eol: '\n' | '\r\n';
}

function spliceEdit(
  doc: Document,
  text: string,
  keys: readonly string[],
  value: YamlValue | undefined,
): string | undefined {
  const layout = detectLayout(doc, text);
  const root = doc.contents;
  if (root === null) {
    if (value === undefined) return text;
    return appendBlock(text, render(nest(keys, value), 0, layout), layout.eol);
  }
  if (!isMap(root) || root.flow) return undefined;
  let map: YAMLMap = root;
  for (const [i, key] of keys.entries()) {
    const pair = map.items.find((p) => keyString(p.key, text) === key);
    const rest = keys.slice(i + 1);
    if (!pair) {
      if (value === undefined) return text;
      return insertPair(text, map, key, nest(rest, value), layout);
    }
    const child = pair.value;
    if (rest.length > 0 && isMap(child) && !child.flow && child.items.length > 0) {
      map = child;
      continue;
    }
    if (rest.length > 0 && value === undefined) return text;
    if (rest.length > 0 && isMap(child) && child.items.length > 0) return undefined; // non-empty flow map
    return replacePair(text, pair, rest.length > 0 ? nest(rest, value ?? null) : value, layout);
  }
  return undefined;
}

/** {a: {b: value}} for keys [a, b]; the value itself for no keys. */
function nest(keys: readonly string[], value: YamlValue): YamlValue {
  let out = value;
  for (let i = keys.length - 1; i >= 0; i--) {
    const obj: { [k: string]: YamlValue } = {};
    Object.defineProperty(obj, keys[i] ?? '', { value: out, enumerable: true, writable: true, configurable: true });
    out = obj;
  }
  return out;
}

/** Replaces a key's lines (or deletes them for `undefined`), keeping an inline comment on the key line. */
function replacePair(text: string, pair: Pair, value: YamlValue | undefined, layout: Layout): string | undefined {
  const keyStart = nodeStart(pair.key);
  if (keyStart === undefined) return undefined;
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() !== '') return undefined; // key shares its line (e.g. "- key: ...")
  const end = contentEnd(pair, text);
  const stop = lineEnd(text, end - 1);
  if (value === undefined) return text.slice(0, start) + text.slice(stop);
  let rendered = render(nest([keyString(pair.key, text) ?? ''], value), keyStart - start, layout);
  // Keep a comment that sits on the key line: after the value when the value is there too, else after `key:`.
  const keyLineEnd = lineEnd(text, keyStart);
  const valueStart = nodeStart(pair.value);
  const sameLine = valueStart === undefined || valueStart < keyLineEnd;
  const trailing = (sameLine ? text.slice(end, stop) : text.slice(keyColonEnd(pair.key, text), keyLineEnd)).replace(
    /\r?\n$/,
    '',
  );
  if (trailing.trim().startsWith('#')) {
    const nl = rendered.indexOf(layout.eol);
    rendered = rendered.slice(0, nl) + trailing + rendered.slice(nl);
  }
  if (stop === text.length && !text.endsWith('\n')) rendered = rendered.slice(0, -layout.eol.length);
  return text.slice(0, start) + rendered + text.slice(stop);
}

/** Adds a key after the last key of a block map, at the column of its first key. */
function insertPair(text: string, map: YAMLMap, key: string, value: YamlValue, layout: Layout): string | undefined {
  if (map.flow) return undefined;
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  if (!first || !last) return undefined;
  const firstStart = nodeStart(first.key);
  if (firstStart === undefined) return undefined;
  const column = firstStart - lineStart(text, firstStart);
  const at = lineEnd(text, contentEnd(last, text) - 1);
  let before = text.slice(0, at);
  if (before !== '' && !before.endsWith('\n')) before += layout.eol;
  return before + render(nest([key], value), column, layout) + text.slice(at);
}

function appendBlock(text: string, block: string, eol: string): string {
  if (text === '' || text.endsWith('\n')) return text + block;
  return text + eol + block;
}

/**
 * Block-style YAML for a value, every line starting at `column`, ending in a newline. Written here rather
 * than by the yaml library because the library indents lists under a wider indent unit its own way.
 */
function render(value: YamlValue, column: number, layout: Layout): string {
  const lines =
    isObject(value) && Object.keys(value).length > 0
      ? entryLines(value, column, layout)
      : [' '.repeat(column) + scalarText(value)];
  return lines.join(layout.eol) + layout.eol;
}

function entryLines(obj: { [key: string]: YamlValue }, column: number, layout: Layout): string[] {
  const pad = ' '.repeat(column);
  const out: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    const head = `${pad}${scalarText(key)}:`;
    if (isObject(value) && Object.keys(value).length > 0)
      out.push(head, ...entryLines(value, column + layout.unit, layout));
    else if (Array.isArray(value) && value.length > 0)
      out.push(head, ...itemLines(value, column + (layout.indentSeq ? layout.unit : 0), layout));
    else out.push(value === null ? head : `${head} ${scalarText(value)}`);
  }
  return out;
}

function itemLines(items: readonly YamlValue[], column: number, layout: Layout): string[] {
  const pad = ' '.repeat(column);
  const out: string[] = [];
  for (const item of items) {
    let nested: string[] | undefined;
    if (isObject(item) && Object.keys(item).length > 0) nested = entryLines(item, column + 2, layout);
    else if (Array.isArray(item) && item.length > 0) nested = itemLines(item, column + 2, layout);
    if (nested === undefined) {
      out.push(item === null ? `${pad}-` : `${pad}- ${scalarText(item)}`);
    } else {
      // The first line of a nested block shares the dash line: "- key: value".
      const [first = '', ...rest] = nested;
      out.push(`${pad}- ${first.slice(column + 2)}`, ...rest);
    }
  }
  return out;
}

function isObject(value: YamlValue): value is { [key: string]: YamlValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One-line YAML for a scalar or an empty collection, quoted only where needed. */
function scalarText(value: YamlValue): string {
  if (value === null) return '';
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  if (typeof value !== 'string') return String(value);
  // Multi-line strings and `:1984` (valid plain YAML, but every go2rtc example quotes it) get double quotes.
  if (value.includes('\n') || value.startsWith(':')) return JSON.stringify(value);
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** Offset just past the last value character of a pair, not counting a trailing comment. */
function contentEnd(node: unknown, text: string): number {
  if (node === null || node === undefined) return 0;
  if (isScalar(node) || isAlias(node)) {
    const r = node.range;
    return r && r[1] > r[0] ? r[1] : 0;
  }
  if (isMap(node) || isSeq(node)) {
    if (node.flow || node.items.length === 0) return node.range?.[1] ?? 0;
    return contentEnd(node.items[node.items.length - 1], text);
  }
  // A Pair: its key, or its value when that ends later.
  if (isPair(node)) {
    return Math.max(contentEnd(node.key, text), contentEnd(node.value, text), keyColonEnd(node.key, text));
  }
  return 0;
}

/** `key:` with nothing after it still has its colon on the key line. */
function keyColonEnd(key: unknown, text: string): number {
  if (!isScalar(key) || !key.range) return 0;
  const colon = text.indexOf(':', key.range[1]);
  return colon < 0 ? 0 : colon + 1;
}

function nodeStart(node: unknown): number | undefined {
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range?.[0];
  return undefined;
}

function keyString(key: unknown, text: string): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  if (typeof v === 'symbol') return undefined; // merge key <<
  if (key.type === Scalar.PLAIN && key.range) return text.slice(key.range[0], key.range[1]);
  return v === null || v === undefined ? '' : String(v);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the newline that ends the line holding `offset` (or the text's end). */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', Math.max(0, offset));
  return nl < 0 ? text.length : nl + 1;
}

/** Indentation unit and sequence style of the file, from its first nested map and first block list. */
function detectLayout(doc: Document, text: string): Layout {
  const layout: Layout = { unit: 2, indentSeq: true, eol: text.includes('\r\n') ? '\r\n' : '\n' };
  let unitFound = false;
  let seqFound = false;
  let budget = 1000;
  const column = (offset: number): number => offset - lineStart(text, offset);
  const visit = (map: unknown): void => {
    if (!isMap(map) || map.flow) return;
    for (const pair of map.items) {
      if (--budget < 0 || (unitFound && seqFound)) return;
      const keyStart = nodeStart(pair.key);
      const v = pair.value;
      if (keyStart === undefined || !(isMap(v) || isSeq(v)) || v.flow) continue;
      if (isMap(v)) {
        const childStart = nodeStart(v.items[0]?.key);
        const step = childStart === undefined ? 0 : column(childStart) - column(keyStart);
        if (!unitFound && step > 0 && step <= 8) {
          layout.unit = step;
          unitFound = true;
        }
        visit(v);
      } else if (!seqFound && v.range) {
        layout.indentSeq = column(v.range[0]) > column(keyStart);
        seqFound = true;
      }
    }
  };
  visit(doc.contents);
  return layout;
}

/**
 * The fallback: edit the Document itself and stringify it (keeps comments, normalises spacing). Keys are
 * matched by their text, as the loader reads them, not by the yaml library's resolved key values.
 */
function documentEdit(
  doc: Document,
  text: string,
  keys: readonly string[],
  value: YamlValue | undefined,
  label: string,
): string {
  let map: YAMLMap;
  if (isMap(doc.contents)) {
    map = doc.contents;
  } else {
    if (value === undefined) return text;
    map = new YAMLMap();
    doc.contents = map;
  }
  for (const [i, key] of keys.entries()) {
    const index = map.items.findIndex((p) => keyString(p.key, text) === key);
    const pair = map.items[index];
    if (i === keys.length - 1) {
      if (value === undefined) {
        if (index >= 0) map.items.splice(index, 1);
      } else if (pair) {
        pair.value = doc.createNode(value);
      } else {
        map.items.push(doc.createPair(key, value));
      }
      break;
    }
    if (pair && isMap(pair.value)) {
      map = pair.value;
      continue;
    }
    if (value === undefined) return text;
    const child = new YAMLMap();
    if (pair) pair.value = child;
    else map.items.push(doc.createPair(key, child));
    map = child;
  }
  try {
    // Default nullStr: '' would turn [null] into the empty flow list "[  ]".
    return doc.toString({ lineWidth: 0 });
  } catch (err) {
    // A document the yaml library parsed but cannot print back (an anchor with a control character): the
    // change is refused, naming the file like every other config error.
    throw new ConfigError(
      'CONFIG_WRITE',
      `cannot write this change: ${err instanceof Error ? err.message : String(err)}`,
      { file: label },
      { cause: err },
    );
  }
}
