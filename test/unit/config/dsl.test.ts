import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boolean,
  formatPath,
  integer,
  list,
  nullableList,
  object,
  oneOf,
  record,
  SchemaContext,
  string,
  transform,
  union,
} from '../../../addon/src/config/dsl.js';
import type { Schema } from '../../../addon/src/config/dsl.js';
import { ConfigError } from '../../../addon/src/config/errors.js';
import { SourceText } from '../../../addon/src/config/source.js';
import { parseSource } from '../../../addon/src/config/tree.js';

/** Reads YAML text through a schema. */
function read<T>(schema: Schema<T>, text: string): { value: T; ctx: SchemaContext } {
  const ctx = new SchemaContext();
  const value = schema.read(parseSource(new SourceText('t.yaml', text)).tree, [], ctx);
  return { value, ctx };
}

function failure<T>(schema: Schema<T>, text: string): string {
  try {
    read(schema, text);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('schema DSL', () => {
  it('formats key paths', () => {
    assert.equal(formatPath(['api', 'listen']), 'api.listen');
    assert.equal(formatPath(['webrtc', 'ice_servers', 0, 'urls']), 'webrtc.ice_servers[0].urls');
    assert.equal(formatPath(['streams', 'camera.hall']), 'streams["camera.hall"]');
    assert.equal(formatPath(['ffmpeg', 'rtsp/udp']), 'ffmpeg.rtsp/udp');
  });

  it('union picks the member that takes the node', () => {
    const s = object({ v: union(integer({ default: 0 }), list(string())) });
    assert.deepEqual(read(s, 'v: 3').value, { v: 3 });
    assert.deepEqual(read(s, 'v: [a]').value, { v: ['a'] });
    assert.equal(failure(s, 'v: {a: 1}'), 'config t.yaml:1:4: v: expected an integer or a list of strings, got a map');
  });

  it('reports a required key that is missing', () => {
    assert.equal(failure(object({ n: integer() }), 'x: 1'), 'config: n: a value is required');
  });

  it('keeps rest keys apart and warns about unknown keys elsewhere', () => {
    const s = object({ level: string() }, { rest: { key: 'others', schema: boolean() } });
    const { value, ctx } = read(s, 'level: x\na: yes\nb: off\n');
    assert.deepEqual(value, { level: 'x', others: { a: true, b: false } });
    assert.deepEqual(ctx.warnings, []);
    const plain = read(object({ level: string() }), 'level: x\nzz: 1\n');
    assert.deepEqual(plain.ctx.warnings, [
      { file: 't.yaml', line: 2, column: 1, path: 'zz', message: 'unknown key "zz"' },
    ]);
  });

  it('record merges defaults under the given keys and rejects non-maps', () => {
    const s = object({ r: record(string(), { defaults: { bin: 'ffmpeg' } }) });
    assert.deepEqual(read(s, 'r: {a: b}').value, { r: { bin: 'ffmpeg', a: 'b' } });
    assert.deepEqual(read(s, 'r: {bin: x}').value, { r: { bin: 'x' } });
    assert.equal(failure(s, 'r: [1]'), 'config t.yaml:1:4: r: expected a map of strings, got a list');
  });

  it('nullableList tells absent and null from []', () => {
    const s = object({ l: nullableList(integer()) });
    assert.deepEqual(read(s, 'x: 1').value, { l: null });
    assert.deepEqual(read(s, 'l:').value, { l: null });
    assert.deepEqual(read(s, 'l: []').value, { l: [] });
    assert.equal(failure(s, 'l: [1, x]'), 'config t.yaml:1:8: l[1]: expected an integer, got a string ("x")');
  });

  it('oneOf without a default refuses null; transform maps the result', () => {
    const s = object({ n: list(oneOf(['a', 'b'])), t: transform(string({ default: 'x' }), (v) => v.toUpperCase()) });
    assert.deepEqual(read(s, 'n: [a, b]').value, { n: ['a', 'b'], t: 'X' });
    assert.equal(failure(s, 'n: [a, ~]'), 'config t.yaml:1:8: n[1]: expected one of a, b, got null');
  });

  it('string checks can warn instead of failing', () => {
    const s = object({ v: string({ check: (v) => (v === 'old' ? { warning: 'old is deprecated' } : undefined) }) });
    assert.deepEqual(read(s, 'v: old').ctx.warnings, [
      { file: 't.yaml', line: 1, column: 4, path: 'v', message: 'old is deprecated' },
    ]);
  });
});
