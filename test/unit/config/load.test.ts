import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../../addon/src/config/errors.js';
import { classifyConfigArg, loadConfig, loadConfigText } from '../../../addon/src/config/load.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh working directory holding these files. */
function workdir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts2rtc-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function rejects(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('classifyConfigArg (go2rtc internal/app/config.go rules)', () => {
  const none = () => false;
  const cases: [string, string][] = [
    ['go2rtc.yaml', 'file'],
    ['/config/go2rtc.yaml', 'file'],
    ['{log: {level: debug}}', 'inline'],
    ['{"log":{"format":"text"}}', 'inline'],
    ['  {api: {}}', 'inline'],
    ['api:\n  listen: ":1"', 'inline'],
    ['log.format=text', 'key-value'],
    ['streams.cam=rtsp://a/b?x=1', 'key-value'],
    ['rtsp.listen=', 'key-value'],
    ['level=debug', 'file'], // one part before "=": go2rtc reads it as a file path too
    ['./my=1.yaml', 'file'],
    ['api: {listen: ":1"}', 'inline'],
  ];
  for (const [arg, kind] of cases) {
    it(`${JSON.stringify(arg)} is ${kind}`, () => assert.equal(classifyConfigArg(arg, none), kind));
  }
  it('an existing file named with ": " stays a file', () =>
    assert.equal(
      classifyConfigArg('a: b.yaml', () => true),
      'file',
    ));
});

describe('loadConfig: sources and merging', () => {
  it('merges file, inline YAML and key=value in order: maps merge, lists and scalars replace', () => {
    const cwd = workdir({
      'base.yaml':
        'api:\n  listen: ":1984"\n  username: admin\nstreams:\n  a: rtsp://a\nwebrtc:\n  candidates: [1.1.1.1:8555, 2.2.2.2:8555]\n',
    });
    const r = loadConfig(
      ['base.yaml', '{streams: {b: rtsp://b}, webrtc: {candidates: [stun:8555]}}', 'api.listen=127.0.0.1:2000'],
      { cwd, env: {} },
    );
    assert.equal(r.config.api.listen, '127.0.0.1:2000');
    assert.equal(r.config.api.username, 'admin');
    assert.deepEqual(r.config.streams, { a: ['rtsp://a'], b: ['rtsp://b'] });
    assert.deepEqual(r.config.webrtc.candidates, ['stun:8555']);
    assert.deepEqual(r.files, [join(cwd, 'base.yaml')]);
    assert.equal(r.writablePath, join(cwd, 'base.yaml'));
    assert.deepEqual(r.warnings, []);
  });

  it('writes to the first file named, even after inline values and even if it does not exist yet', () => {
    const cwd = workdir({ 'second.yaml': 'log: {level: debug}\n' });
    const r = loadConfig(['log.format=text', 'first.yaml', 'second.yaml'], { cwd, env: {} });
    assert.equal(r.writablePath, join(cwd, 'first.yaml'));
    assert.deepEqual(r.files, [join(cwd, 'second.yaml')]);
    assert.equal(r.config.log.level, 'debug');
    assert.equal(r.config.log.format, 'text');
    assert.deepEqual(r.warnings, [
      { file: 'first.yaml', line: 1, column: 1, path: '', message: 'file not found; API edits will create it' },
    ]);
  });

  it('reports a later missing file as skipped', () => {
    const cwd = workdir({ 'a.yaml': '' });
    const r = loadConfig(['a.yaml', 'missing.yaml'], { cwd, env: {} });
    assert.deepEqual(r.warnings, [
      { file: 'missing.yaml', line: 1, column: 1, path: '', message: 'file not found; skipped' },
    ]);
  });

  it('has no writable path with inline values only (the API answers 410)', () => {
    const r = loadConfig(['{api: {listen: ":1"}}'], { cwd: workdir(), env: {} });
    assert.equal(r.writablePath, undefined);
    assert.equal('writablePath' in r, false);
  });

  it('reads a null section in a later source as "nothing to merge"', () => {
    const cwd = workdir({ 'a.yaml': 'api:\n  listen: ":1"\n', 'b.yaml': 'api:\n' });
    assert.equal(loadConfig(['a.yaml', 'b.yaml'], { cwd, env: {} }).config.api.listen, ':1');
  });

  it('reads key=value values as YAML, and an empty value as "" (disable)', () => {
    const r = loadConfig(
      ['webrtc.candidates=[a:1, b:2]', 'rtsp.listen=', 'rtsp.pkt_size=1200', 'streams.cam=ffmpeg:x#video=h264'],
      { cwd: workdir(), env: {} },
    );
    assert.deepEqual(r.config.webrtc.candidates, ['a:1', 'b:2']);
    assert.equal(r.config.rtsp.listen, '');
    assert.equal(r.config.rtsp.pkt_size, 1200);
    assert.deepEqual(r.config.streams, { cam: ['ffmpeg:x#video=h264'] });
  });

  it('points key=value and inline errors at the -c value and column', () => {
    assert.equal(
      rejects(() => loadConfig(['{}', 'log.level=bogus'], { cwd: workdir(), env: {} })).message,
      'config -c#2:1:11: log.level: expected one of trace, debug, info, warn, error, fatal, panic, disabled, got "bogus"',
    );
    assert.equal(
      rejects(() => loadConfig(['{api: {listen: [1]}}'], { cwd: workdir(), env: {} })).message,
      'config -c#1:1:16: api.listen: expected a string, got a list',
    );
    const unknown = loadConfig(['api.lisen=x'], { cwd: workdir(), env: {} }).warnings;
    assert.deepEqual(unknown, [
      { file: '-c#1', line: 1, column: 5, path: 'api.lisen', message: 'unknown key "lisen"' },
    ]);
  });

  it('names a file by the path given', () => {
    const cwd = workdir();
    mkdirSync(join(cwd, 'conf'));
    writeFileSync(join(cwd, 'conf', 'x.yaml'), 'streams:\n  a: 1\n');
    assert.equal(
      rejects(() => loadConfig(['conf/x.yaml'], { cwd, env: {} })).message,
      'config conf/x.yaml:2:6: streams.a: expected a URL string or a list of URL strings, got a number (1)',
    );
  });

  it('throws CONFIG_READ for a config path that cannot be read', () => {
    const cwd = workdir();
    mkdirSync(join(cwd, 'dir.yaml'));
    const err = rejects(() => loadConfig(['dir.yaml'], { cwd, env: {} }));
    assert.equal(err.code, 'CONFIG_READ');
    assert.match(err.message, /^config dir\.yaml: cannot read the file: /);
  });
});

describe('loadConfig: files looked up without -c', () => {
  it('reads ts2rtc.yaml', () => {
    const cwd = workdir({ 'ts2rtc.yaml': 'api: {listen: ":1"}\n' });
    const r = loadConfig([], { cwd, env: {} });
    assert.equal(r.config.api.listen, ':1');
    assert.equal(r.writablePath, join(cwd, 'ts2rtc.yaml'));
  });

  it('reads go2rtc.yaml when there is no ts2rtc.yaml (drop-in)', () => {
    const cwd = workdir({ 'go2rtc.yaml': 'api: {listen: ":2"}\n' });
    const r = loadConfig([], { cwd, env: {} });
    assert.equal(r.config.api.listen, ':2');
    assert.deepEqual(r.files, [join(cwd, 'go2rtc.yaml')]);
    assert.equal(r.writablePath, join(cwd, 'go2rtc.yaml'));
  });

  it('prefers ts2rtc.yaml and warns that go2rtc.yaml is ignored', () => {
    const cwd = workdir({ 'ts2rtc.yaml': 'api: {listen: ":1"}\n', 'go2rtc.yaml': 'api: {listen: ":2"}\n' });
    const r = loadConfig([], { cwd, env: {} });
    assert.equal(r.config.api.listen, ':1');
    assert.deepEqual(r.warnings, [
      { file: 'go2rtc.yaml', line: 1, column: 1, path: '', message: 'ignored: ts2rtc.yaml is read instead' },
    ]);
  });

  it('starts with defaults and writes to ./ts2rtc.yaml when neither exists', () => {
    const cwd = workdir();
    const r = loadConfig([], { cwd, env: {} });
    assert.deepEqual(r.files, []);
    assert.equal(r.writablePath, join(cwd, 'ts2rtc.yaml'));
    assert.equal(r.config.api.listen, ':1984');
  });
});

describe('loadConfig: ${VAR} substitution (go2rtc pkg/creds)', () => {
  it('replaces variables from the environment, with defaults, and keeps unknown ones with a warning', () => {
    const text =
      'streams:\n  cam: rtsp://admin:${CAM_PASS}@10.0.0.2/live\nrtsp:\n  username: ${RTSP_USER:admin}\n  password: ${RTSP_PASS}\n';
    const r = loadConfigText(text, { label: 'ts2rtc.yaml', env: { CAM_PASS: 's3cret' } });
    assert.deepEqual(r.config.streams, { cam: ['rtsp://admin:s3cret@10.0.0.2/live'] });
    assert.equal(r.config.rtsp.username, 'admin');
    assert.equal(r.config.rtsp.password, '${RTSP_PASS}');
    assert.deepEqual(r.secrets, ['s3cret']);
    assert.deepEqual(r.warnings, [
      {
        file: 'ts2rtc.yaml',
        line: 5,
        column: 13,
        path: '',
        message: 'variable RTSP_PASS is not set and has no default; kept as written',
      },
    ]);
  });

  it('takes env: sections first (this file and earlier ones), then credential files, then the environment', () => {
    const cwd = workdir({
      'a.yaml': 'env:\n  USER_A: from-section\n',
      'b.yaml': 'rtsp:\n  username: ${USER_A}\n  password: ${PASS}\napi:\n  password: ${API_PASS}\n',
    });
    const creds = join(cwd, 'creds');
    mkdirSync(creds);
    writeFileSync(join(creds, 'PASS'), '  from-file\n');
    const env = { USER_A: 'from-env', PASS: 'from-env', API_PASS: 'api-env', CREDENTIALS_DIRECTORY: creds };
    const r = loadConfig(['a.yaml', 'b.yaml'], { cwd, env });
    assert.equal(r.config.rtsp.username, 'from-section');
    assert.equal(r.config.rtsp.password, 'from-file');
    assert.equal(r.config.api.password, 'api-env');
    assert.deepEqual(r.config.env, { USER_A: 'from-section' });
    assert.deepEqual(r.secrets, ['from-section', 'from-file', 'api-env']);
  });

  it('never reads a credential outside its directory', () => {
    const cwd = workdir({ secret: 'leak' });
    const creds = join(cwd, 'creds');
    mkdirSync(creds);
    const r = loadConfigText('rtsp:\n  password: ${../secret:none}\n', { env: { CREDENTIALS_DIRECTORY: creds } });
    assert.equal(r.config.rtsp.password, 'none');
  });

  it('works inside quotes and as numbers, as raw text substitution does', () => {
    const r = loadConfigText('rtsp:\n  listen: ":${PORT}"\n  pkt_size: ${SIZE}\n', {
      env: { PORT: '8555', SIZE: '1200' },
    });
    assert.equal(r.config.rtsp.listen, ':8555');
    assert.equal(r.config.rtsp.pkt_size, 1200);
  });

  it('reports positions in the text as written, not as substituted', () => {
    const text = 'streams:\n  a: ${LONG_URL}\napi:\n  listen: ${BAD} # x\n';
    const err = rejects(() =>
      loadConfigText(text, {
        label: 'ts2rtc.yaml',
        env: { LONG_URL: 'rtsp://a-very-long-host-name.example/x', BAD: '[1, 2]' },
      }),
    );
    assert.equal(err.message, 'config ts2rtc.yaml:4:11: api.listen: expected a string, got a list');
    const err2 = rejects(() => loadConfigText('a: ${X} b: ${Y}\n', { label: 'f', env: { X: 'xxxxxxxx', Y: 'y' } }));
    assert.equal(err2.code, 'CONFIG_SYNTAX');
    assert.equal(err2.line, 1);
  });

  it('does not substitute inline -c values (go2rtc neither)', () => {
    const r = loadConfig(['{rtsp: {username: "${U}"}}'], { cwd: workdir(), env: { U: 'x' } });
    assert.equal(r.config.rtsp.username, '${U}');
  });
});
