import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatConsole,
  formatJson,
  goQuote,
  jsonTime,
  needsQuote,
  parsePinoLine,
} from '../../../../addon/src/modules/log/format.js';
import type { LogRecord } from '../../../../addon/src/modules/log/format.js';

process.env['TZ'] = 'UTC';
const MS = Date.UTC(2024, 0, 2, 3, 4, 5, 60);

describe('goQuote (Go strconv.Quote) and needsQuote (zerolog)', () => {
  const cases: [string, string][] = [
    ['a b', '"a b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\there\nnl\r\x07\b\f\v', '"tab\\there\\nnl\\r\\a\\b\\f\\v"'],
    ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['héllo 日本 🎥', '"héllo 日本 🎥"'],
    ['\u00a0\u200b\u2028', '"\\u00a0\\u200b\\u2028"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['\ud800', '"\\ufffd"'],
  ];
  for (const [input, quoted] of cases) it(JSON.stringify(input), () => assert.equal(goQuote(input), quoted));

  it('quotes only what zerolog quotes', () => {
    assert.equal(needsQuote('rtsp://a/b?c=1&d'), false);
    assert.equal(needsQuote(''), false);
    for (const s of ['a b', 'é', '"', '\\', '\x7f', '\t']) assert.equal(needsQuote(s), true, JSON.stringify(s));
  });
});

describe('parsePinoLine', () => {
  it('splits level, module, message and fields, renaming err to error', () => {
    const rec = parsePinoLine(
      '{"level":40,"module":"rtsp","b":1,"err":{"type":"Error","message":"boom","stack":"..."},"msg":"hi"}\n',
    );
    assert.deepEqual(rec, {
      level: 'warn',
      module: 'rtsp',
      msg: 'hi',
      fields: [
        ['b', 1],
        ['error', 'boom'],
      ],
    });
  });

  it('ignores a line that is not a JSON object', () => {
    assert.equal(parsePinoLine('not json'), undefined);
    assert.equal(parsePinoLine('[1]'), undefined);
  });
});

describe('formatConsole / formatJson', () => {
  const rec: LogRecord = {
    level: 'info',
    module: 'api',
    msg: 'listen',
    fields: [
      ['addr', ':1984'],
      ['obj', { a: [1] }],
      ['n', null],
    ],
  };

  it('renders fields of every JSON type', () => {
    assert.equal(
      formatConsole(rec, { timeMs: MS, color: false }),
      '03:04:05.060 INF [api] listen addr=:1984 n=null obj={"a":[1]}',
    );
    assert.equal(
      formatJson(rec, '1'),
      '{"level":"info","addr":":1984","obj":{"a":[1]},"n":null,"time":1,"message":"[api] listen"}',
    );
  });

  it('keeps the later value of a repeated key', () => {
    const dup: LogRecord = {
      level: 'debug',
      module: undefined,
      msg: '',
      fields: [
        ['k', 1],
        ['k', 2],
      ],
    };
    assert.equal(formatConsole(dup, { timeMs: undefined, color: false }), 'DBG k=2');
    assert.equal(formatJson(dup, undefined), '{"level":"debug","k":2}');
  });
});

describe('jsonTime (log.time)', () => {
  const cases: [string, string | undefined][] = [
    ['UNIXMS', '1704164645060'],
    ['UNIXMICRO', '1704164645060000'],
    ['UNIXNANO', '1704164645060000000'],
    ['2006-01-02T15:04:05Z07:00', '"2024-01-02T03:04:05Z"'],
    ['2006-01-02T15:04:05.999999999Z07:00', '"2024-01-02T03:04:05.06Z"'],
    ['', undefined],
  ];
  for (const [format, expected] of cases) it(format || '(empty)', () => assert.equal(jsonTime(MS, format), expected));

  it('drops the fraction when there is none', () => {
    assert.equal(
      jsonTime(Date.UTC(2024, 0, 2, 3, 4, 5, 0), '2006-01-02T15:04:05.999999999Z07:00'),
      '"2024-01-02T03:04:05Z"',
    );
  });
});
