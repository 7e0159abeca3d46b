import assert from 'node:assert/strict';
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../../addon/src/config/errors.js';
import {
  deletePreload,
  deleteStream,
  patchConfig,
  replaceConfig,
  setConfigValue,
  setPreload,
  setStream,
  writeFileAtomic,
} from '../../../addon/src/config/write.js';
import type { WriteFs } from '../../../addon/src/config/write.js';
import { mergeYamlText, setYamlValue } from '../../../addon/src/config/yaml-edit.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts2rtc-write-'));
  dirs.push(dir);
  return dir;
}

const SAMPLE = `# go2rtc config
api:
  listen: ":1984"  # api port
  origin: '*'

streams:
  # front door camera
  front: rtsp://admin:pass@192.168.1.10/stream1   # main
  back:
    - rtsp://b/1
    - ffmpeg:back#audio=opus
  garage:    # todo
  # old: rtsp://x

log:
  level: debug
`;

/** SAMPLE with `from` (one exact occurrence) replaced by `to`. */
function sampleWith(from: string, to: string): string {
  assert.equal(SAMPLE.split(from).length, 2, `"${from}" must occur once`);
  return SAMPLE.replace(from, to);
}

describe('setYamlValue: edits keep every other byte', () => {
  it('replaces a scalar and keeps its inline comment and spacing', () => {
    assert.equal(
      setYamlValue(SAMPLE, ['streams', 'front'], 'rtsp://new/1'),
      sampleWith('  front: rtsp://admin:pass@192.168.1.10/stream1   # main\n', '  front: rtsp://new/1   # main\n'),
    );
  });

  it('replaces a scalar with a list, moving the comment after the key', () => {
    assert.equal(
      setYamlValue(SAMPLE, ['streams', 'front'], ['rtsp://a', 'rtsp://b']),
      sampleWith(
        '  front: rtsp://admin:pass@192.168.1.10/stream1   # main\n',
        '  front:   # main\n    - rtsp://a\n    - rtsp://b\n',
      ),
    );
  });

  it('fills an empty key and keeps its comment', () => {
    assert.equal(
      setYamlValue(SAMPLE, ['streams', 'garage'], 'rtsp://g'),
      sampleWith('  garage:    # todo\n', '  garage: rtsp://g    # todo\n'),
    );
  });

  it('adds a key after the last sibling, before trailing comments', () => {
    assert.equal(
      setYamlValue(SAMPLE, ['streams', 'side'], 'rtsp://s'),
      sampleWith('  garage:    # todo\n', '  garage:    # todo\n  side: rtsp://s\n'),
    );
  });

  it('deletes a key with all its lines and nothing else', () => {
    assert.equal(
      setYamlValue(SAMPLE, ['streams', 'back'], undefined),
      sampleWith('  back:\n    - rtsp://b/1\n    - ffmpeg:back#audio=opus\n', ''),
    );
    assert.equal(setYamlValue(SAMPLE, ['streams', 'nope'], undefined), SAMPLE);
    assert.equal(setYamlValue(SAMPLE, ['preload', 'nope'], undefined), SAMPLE);
  });

  it('appends a missing section at the end', () => {
    assert.equal(
      setYamlValue(SAMPLE, ['preload', 'front'], 'video&audio'),
      `${SAMPLE}preload:\n  front: video&audio\n`,
    );
    assert.equal(setYamlValue('log: {}', ['streams', 'a'], 'x'), 'log: {}\nstreams:\n  a: x\n');
  });

  it('creates nested maps on the way (homekit pairings)', () => {
    assert.equal(
      setYamlValue(SAMPLE, ['homekit', 'front', 'pairings'], ['id1']),
      `${SAMPLE}homekit:\n  front:\n    pairings:\n      - id1\n`,
    );
  });

  it("follows the file's indentation and list style", () => {
    const text = 'streams:\n    a:\n    - x\n';
    assert.equal(
      setYamlValue(text, ['streams', 'b'], ['y', 'z']),
      'streams:\n    a:\n    - x\n    b:\n    - y\n    - z\n',
    );
  });

  it('keeps CRLF line breaks in a Windows-edited file', () => {
    const text = 'streams:\r\n  a: x # c\r\n';
    assert.equal(setYamlValue(text, ['streams', 'a'], ['y', 'z']), 'streams:\r\n  a: # c\r\n    - y\r\n    - z\r\n');
    assert.equal(setYamlValue(text, ['log', 'level'], 'debug'), 'streams:\r\n  a: x # c\r\nlog:\r\n  level: debug\r\n');
  });

  it('quotes values that start with a colon, as go2rtc examples do', () => {
    assert.equal(
      setYamlValue(SAMPLE, ['api', 'listen'], ':1985'),
      sampleWith('  listen: ":1984"  # api port\n', '  listen: ":1985"  # api port\n'),
    );
  });

  it('creates a config from nothing and from a comment-only file', () => {
    assert.equal(setYamlValue('', ['streams', 'a'], 'rtsp://a'), 'streams:\n  a: rtsp://a\n');
    assert.equal(setYamlValue('# mine\n', ['streams', 'a'], null), '# mine\nstreams:\n  a:\n');
  });

  it('falls back to a Document edit for flow-style maps, keeping the data right', () => {
    const out = setYamlValue('{streams: {a: x}}\n', ['streams', 'b'], 'y');
    assert.deepEqual(parseDocument(out).toJS(), { streams: { a: 'x', b: 'y' } });
  });

  it('rejects a file that is not YAML or not a map', () => {
    assert.throws(
      () => setYamlValue('a: [\n', ['streams', 'a'], 'x'),
      (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_SYNTAX',
    );
    assert.throws(
      () => setYamlValue('- a\n', ['streams', 'a'], 'x'),
      (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_INVALID',
    );
  });
});

describe('mergeYamlText (PATCH /api/config)', () => {
  it('merges maps key by key and replaces lists and scalars', () => {
    const out = mergeYamlText(
      SAMPLE,
      'api:\n  listen: ":1985"\nstreams:\n  back: [rtsp://c/1]\nwebrtc:\n  candidates: [stun:8555]\n',
    );
    assert.equal(
      out,
      sampleWith('  listen: ":1984"  # api port\n', '  listen: ":1985"  # api port\n')
        .replace('  back:\n    - rtsp://b/1\n    - ffmpeg:back#audio=opus\n', '  back:\n    - rtsp://c/1\n')
        .concat('webrtc:\n  candidates:\n    - stun:8555\n'),
    );
  });

  it('leaves the text alone for an empty patch', () => {
    assert.equal(mergeYamlText(SAMPLE, ''), SAMPLE);
    assert.equal(mergeYamlText(SAMPLE, '# nothing\n'), SAMPLE);
  });
});

describe('config file writes', () => {
  it('setStream writes one URL as a scalar and several as a list, creating the file', async () => {
    const path = join(tempDir(), 'ts2rtc.yaml');
    await setStream(path, 'cam', ['rtsp://a/1']);
    assert.equal(readFileSync(path, 'utf8'), 'streams:\n  cam: rtsp://a/1\n');
    await setStream(path, 'cam', ['rtsp://a/1', 'ffmpeg:cam#audio=opus']);
    assert.equal(readFileSync(path, 'utf8'), 'streams:\n  cam:\n    - rtsp://a/1\n    - ffmpeg:cam#audio=opus\n');
    await setStream(path, 'empty', []);
    assert.equal(
      readFileSync(path, 'utf8'),
      'streams:\n  cam:\n    - rtsp://a/1\n    - ffmpeg:cam#audio=opus\n  empty:\n',
    );
    await deleteStream(path, 'cam');
    assert.equal(readFileSync(path, 'utf8'), 'streams:\n  empty:\n');
  });

  it('round-trips a commented file through stream and preload edits', async () => {
    const path = join(tempDir(), 'go2rtc.yaml');
    writeFileSync(path, SAMPLE);
    await setStream(path, 'side', ['rtsp://s']);
    await setPreload(path, 'side', 'video');
    await deleteStream(path, 'side');
    await setPreload(path, 'side', undefined);
    await deletePreload(path, 'missing');
    assert.equal(readFileSync(path, 'utf8'), `${SAMPLE}preload:\n`);
  });

  it('setConfigValue edits any path (env for the variables API)', async () => {
    const path = join(tempDir(), 'c.yaml');
    writeFileSync(path, 'api:\n  listen: ":1984"\n');
    await setConfigValue(path, ['env', 'CAM_PASS'], 'x y');
    assert.equal(readFileSync(path, 'utf8'), 'api:\n  listen: ":1984"\nenv:\n  CAM_PASS: x y\n');
  });

  it('serialises concurrent edits of one file, losing none', async () => {
    const path = join(tempDir(), 'c.yaml');
    await Promise.all(Array.from({ length: 25 }, (_, i) => setStream(path, `cam${i}`, [`rtsp://10.0.0.${i}/`])));
    const streams = (parseDocument(readFileSync(path, 'utf8')).toJS() as { streams: Record<string, string> }).streams;
    assert.equal(Object.keys(streams).length, 25);
  });

  it('replaceConfig writes valid YAML as is and rejects the rest without touching the file', async () => {
    const path = join(tempDir(), 'c.yaml');
    writeFileSync(path, SAMPLE);
    await assert.rejects(
      replaceConfig(path, 'api: [\n'),
      (e: unknown) =>
        e instanceof ConfigError && e.code === 'CONFIG_SYNTAX' && e.message.startsWith('config request body:2:1: '),
    );
    await assert.rejects(
      replaceConfig(path, '- a\n'),
      (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_INVALID',
    );
    assert.equal(readFileSync(path, 'utf8'), SAMPLE);
    await replaceConfig(path, '# new\nstreams: {}\n');
    assert.equal(readFileSync(path, 'utf8'), '# new\nstreams: {}\n');
  });

  it('patchConfig merges into the file and keeps its comments', async () => {
    const path = join(tempDir(), 'c.yaml');
    writeFileSync(path, SAMPLE);
    await patchConfig(path, 'log: {level: trace}\n');
    assert.equal(readFileSync(path, 'utf8'), sampleWith('  level: debug\n', '  level: trace\n'));
    await assert.rejects(
      patchConfig(path, '{'),
      (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_SYNTAX',
    );
  });
});

describe('writeFileAtomic', () => {
  it('leaves no temp file behind and keeps the file mode', async () => {
    const dir = tempDir();
    const path = join(dir, 'c.yaml');
    writeFileSync(path, 'old\n');
    chmodSync(path, 0o600);
    await writeFileAtomic(path, 'new\n');
    assert.equal(readFileSync(path, 'utf8'), 'new\n');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['c.yaml']);
  });

  it('writes through a symlink and keeps the link', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'real.yaml'), 'old\n');
    symlinkSync(join(dir, 'real.yaml'), join(dir, 'link.yaml'));
    await writeFileAtomic(join(dir, 'link.yaml'), 'new\n');
    assert.ok(lstatSync(join(dir, 'link.yaml')).isSymbolicLink());
    assert.equal(readFileSync(join(dir, 'real.yaml'), 'utf8'), 'new\n');
  });

  /** Node's fs with a rename that fails with `code`, recording the calls. */
  function failingRename(code: string, calls: string[]): WriteFs {
    const real = { ...nodeFsForTests() };
    return {
      ...real,
      rename: async (from) => {
        calls.push(`rename ${from.endsWith('.tmp') ? 'tmp' : from}`);
        throw Object.assign(new Error(`${code}: rename failed`), { code });
      },
      unlink: async (p) => {
        calls.push('unlink tmp');
        return real.unlink(p);
      },
    };
  }

  it('rewrites in place when rename cannot replace a bind-mounted file (EBUSY)', async () => {
    const dir = tempDir();
    const path = join(dir, 'c.yaml');
    writeFileSync(path, 'old\n');
    const calls: string[] = [];
    await writeFileAtomic(path, 'new\n', failingRename('EBUSY', calls));
    assert.equal(readFileSync(path, 'utf8'), 'new\n');
    assert.deepEqual(calls, ['rename tmp', 'unlink tmp']);
    assert.deepEqual(readdirSync(dir), ['c.yaml']);
  });

  it('reports other failures as CONFIG_WRITE and leaves the old file', async () => {
    const dir = tempDir();
    const path = join(dir, 'c.yaml');
    writeFileSync(path, 'old\n');
    await assert.rejects(
      writeFileAtomic(path, 'new\n', failingRename('EIO', [])),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.code === 'CONFIG_WRITE' &&
        e.message === `config ${path}: cannot write the file: EIO: rename failed`,
    );
    assert.equal(readFileSync(path, 'utf8'), 'old\n');
    assert.deepEqual(readdirSync(dir), ['c.yaml']);
  });
});

function nodeFsForTests(): WriteFs {
  return {
    readFile: (p, e) => fsp.readFile(p, e),
    writeFile: (p, d, o) => fsp.writeFile(p, d, o),
    rename: (a, b) => fsp.rename(a, b),
    unlink: (p) => fsp.unlink(p),
    stat: (p) => fsp.stat(p),
    realpath: (p) => fsp.realpath(p),
  };
}
