import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LogConfig } from '../../../../addon/src/config/schema.js';
import { createLogging, SecretMasker } from '../../../../addon/src/modules/log/index.js';
import type { LogSink } from '../../../../addon/src/modules/log/index.js';

// Local time is what go2rtc prints; pin the zone so the expected lines are exact.
process.env['TZ'] = 'UTC';

const CLOCK = Date.UTC(2024, 0, 2, 3, 4, 5, 67); // 03:04:05.067
const now = () => CLOCK;

function config(over: Partial<LogConfig> = {}): LogConfig {
  return { level: 'info', format: '', output: 'stdout', time: 'UNIXMS', modules: {}, ...over };
}

/** A sink that records what was written. */
function sink(isTTY = false): LogSink & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, write: (c: string) => chunks.push(c), text: () => chunks.join('') };
}

describe('createLogging: go2rtc console lines', () => {
  it('prints the exact API listen line Home Assistant waits for', () => {
    const out = sink();
    const log = createLogging(config(), out, { now, env: {} });
    log.module('api').info({ addr: ':1984' }, 'listen');
    assert.equal(out.text(), '03:04:05.067 INF [api] listen addr=:1984\n');
    assert.ok(out.text().includes('INF [api] listen addr='));
  });

  it('writes the root logger without a module and sorts fields, error first, quoting as zerolog', () => {
    const out = sink();
    const log = createLogging(config({ level: 'trace' }), out, { now, env: {} });
    log.root.info({ version: '1.9.14', platform: 'linux/amd64', revision: 'abc1234' }, 'ts2rtc');
    log
      .module('rtsp')
      .warn(
        { url: 'rtsp://cam/x', path: '/a b', err: new Error('dial tcp: i/o timeout'), n: 3, ok: true },
        'reconnect',
      );
    log.module('webrtc').error({ err: 'plain string' });
    log.module('streams').trace({ q: 'say "hi"\n', u: 'héllo', empty: '' }, 'x');
    assert.equal(
      out.text(),
      [
        '03:04:05.067 INF ts2rtc platform=linux/amd64 revision=abc1234 version=1.9.14',
        '03:04:05.067 WRN [rtsp] reconnect error="dial tcp: i/o timeout" n=3 ok=true path="/a b" url=rtsp://cam/x',
        '03:04:05.067 ERR [webrtc] error="plain string"',
        '03:04:05.067 TRC [streams] x empty= q="say \\"hi\\"\\n" u="héllo"',
        '',
      ].join('\n'),
    );
  });

  it('uses log.<module> levels, falling back to log.level', () => {
    const out = sink();
    const log = createLogging(config({ level: 'warn', modules: { rtsp: 'debug', api: 'disabled' } }), out, {
      now,
      env: {},
    });
    log.module('rtsp').debug('rtsp debug');
    log.module('webrtc').info('webrtc info');
    log.module('webrtc').warn('webrtc warn');
    log.module('api').fatal('api fatal');
    log.root.info('root info');
    assert.equal(out.text(), '03:04:05.067 DBG [rtsp] rtsp debug\n03:04:05.067 WRN [webrtc] webrtc warn\n');
    assert.equal(log.module('rtsp'), log.module('rtsp'));
  });

  it('leaves the time out with log.time: ""', () => {
    const out = sink();
    createLogging(config({ time: '' }), out, { now, env: {} })
      .module('api')
      .info({ addr: ':1984' }, 'listen');
    assert.equal(out.text(), 'INF [api] listen addr=:1984\n');
  });

  it('colours like zerolog with format color, or on a terminal by default, unless NO_COLOR', () => {
    const expected =
      '\x1b[90m03:04:05.067\x1b[0m \x1b[33mWRN\x1b[0m \x1b[1m[api] listen\x1b[0m ' +
      '\x1b[36merror=\x1b[0m\x1b[31m\x1b[1mboom\x1b[0m\x1b[0m \x1b[36maddr=\x1b[0m:1984\n';
    for (const [cfg, tty, env] of [
      [config({ format: 'color' }), false, {}],
      [config(), true, {}],
    ] as const) {
      const out = sink(tty);
      createLogging(cfg, out, { now, env })
        .module('api')
        .warn({ addr: ':1984', err: new Error('boom') }, 'listen');
      assert.equal(out.text(), expected);
    }
    const plain = sink(true);
    createLogging(config(), plain, { now, env: { NO_COLOR: '1' } })
      .module('api')
      .debug('x');
    createLogging(config({ level: 'debug' }), plain, { now, env: {} })
      .module('api')
      .debug('x');
    assert.equal(plain.text(), '\x1b[90m03:04:05.067\x1b[0m DBG [api] x\n');
  });

  it('writes zerolog JSON lines with format json', () => {
    const out = sink();
    createLogging(config({ format: 'json' }), out, { now, env: {} })
      .module('api')
      .info({ addr: ':1984' }, 'listen');
    assert.equal(out.text(), '{"level":"info","addr":":1984","time":1704164645067,"message":"[api] listen"}\n');
  });

  it('writes nothing but the ring with log.output ""', () => {
    const log = createLogging(config({ output: '' }), undefined, { now, env: {} });
    log.root.info('only in memory');
    assert.equal(log.ring.text(), '{"level":"info","time":1704164645067,"message":"only in memory"}\n');
  });

  it('appends to a file with log.output file:<path>', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts2rtc-log-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'x.log');
    createLogging(config({ output: `file:${path}` }), undefined, { now, env: {} }).root.info('to file');
    assert.equal(readFileSync(path, 'utf8'), '03:04:05.067 INF to file\n');
  });

  it('falls back to memory with a warning when the log file cannot be opened', () => {
    const log = createLogging(config({ output: 'file:/nonexistent-dir/x.log' }), undefined, { now, env: {} });
    assert.match(
      log.ring.text(),
      /^\{"level":"warn","output":"file:\/nonexistent-dir\/x.log","error":"ENOENT[^"]*","time":1704164645067,"message":"\[log\] cannot open the log file; logging to memory only"\}\n$/,
    );
  });
});

describe('createLogging: ring buffer for /api/log', () => {
  it('keeps go2rtc JSON lines whatever the console format', () => {
    const log = createLogging(config(), sink(), { now, env: {} });
    log.module('api').info({ addr: ':1984' }, 'listen');
    log.module('rtsp').error({ err: new Error('x') });
    assert.equal(
      log.ring.text(),
      '{"level":"info","addr":":1984","time":1704164645067,"message":"[api] listen"}\n' +
        // pino uses the error's message when none is given
        '{"level":"error","error":"x","time":1704164645067,"message":"[rtsp] x"}\n',
    );
    log.ring.clear();
    assert.equal(log.ring.text(), '');
  });

  it('is bounded by its options', () => {
    const log = createLogging(config(), null, { now, env: {}, ring: { maxLines: 3 } });
    for (let i = 0; i < 10; i++) log.root.info(`line ${i}`);
    assert.deepEqual(
      log.ring
        .text()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { message: string }).message),
      ['line 7', 'line 8', 'line 9'],
    );
  });
});

describe('createLogging: secrets', () => {
  it('masks URL credentials and registered secrets in console and ring', () => {
    const out = sink();
    const log = createLogging(config(), out, { now, env: {}, secrets: ['hunter2'] });
    log.addSecret('tok-123');
    log.module('streams').info({ url: 'rtsp://admin:hunter2@10.0.0.2/live', token: 'tok-123' }, 'add');
    assert.equal(out.text(), '03:04:05.067 INF [streams] add token=*** url=rtsp://***@10.0.0.2/live\n');
    assert.equal(
      log.ring.text(),
      '{"level":"info","url":"rtsp://***@10.0.0.2/live","token":"***","time":1704164645067,"message":"[streams] add"}\n',
    );
  });

  it('masks the longest secret first', () => {
    const m = new SecretMasker(['abc', 'abcdef']);
    assert.equal(m.mask('x abcdef y abc'), 'x *** y ***');
    assert.equal(m.mask('ftp://user@host'), 'ftp://***@host');
  });
});
