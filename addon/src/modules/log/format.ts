/**
 * Renders one log record the way go2rtc prints it, because Home Assistant and the add-on panel read it:
 * zerolog's ConsoleWriter line (`15:04:05.000 INF [api] listen addr=:1984`) and zerolog's JSON object
 * (`{"level":"info","addr":":1984","time":1700000000000,"message":"[api] listen"}`), which go2rtc's
 * /api/log and its log page use. go2rtc writes the module as a `[name] ` message prefix; ts2rtc keeps it
 * as a pino binding and adds the prefix here.
 */

export type LevelLabel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogRecord {
  readonly level: LevelLabel;
  readonly module: string | undefined;
  readonly msg: string;
  /** Fields in the order they were logged, `err` already renamed to `error` (zerolog's name). */
  readonly fields: readonly (readonly [string, unknown])[];
}

const PINO_LEVELS: Readonly<Record<number, LevelLabel>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** One line of pino output (base: null, timestamp: false) → a record; undefined for anything else. */
export function parsePinoLine(line: string): LogRecord | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined; // pino only writes JSON; a foreign line is dropped rather than crashing the logger
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  let level: LevelLabel = 'info';
  let module: string | undefined;
  let msg = '';
  const fields: [string, unknown][] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'level') level = (typeof value === 'number' ? PINO_LEVELS[value] : undefined) ?? 'info';
    else if (key === 'module' && typeof value === 'string') module = value;
    else if (key === 'msg') msg = typeof value === 'string' ? value : JSON.stringify(value);
    else if (key === 'err') fields.push(['error', errorText(value)]);
    else fields.push([key, value]);
  }
  return { level, module, msg, fields };
}

/** pino's error serializer gives {type, message, stack}; zerolog's `.Err(err)` prints only the message. */
function errorText(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'message' in value && typeof value.message === 'string') {
    return value.message;
  }
  return value;
}

/** The message with go2rtc's module prefix: `[api] listen`. */
export function messageText(rec: LogRecord): string {
  if (rec.module === undefined) return rec.msg;
  return rec.msg === '' ? `[${rec.module}]` : `[${rec.module}] ${rec.msg}`;
}

// zerolog v1.34 (go2rtc's version): FormattedLevels, LevelColors, and which levels get a bold message.
const SHORT: Readonly<Record<LevelLabel, string>> = {
  trace: 'TRC',
  debug: 'DBG',
  info: 'INF',
  warn: 'WRN',
  error: 'ERR',
  fatal: 'FTL',
};
const LEVEL_COLOR: Readonly<Record<LevelLabel, number>> = {
  trace: 34,
  debug: 0,
  info: 32,
  warn: 33,
  error: 31,
  fatal: 31,
};
const BOLD_MESSAGE: ReadonlySet<LevelLabel> = new Set(['info', 'warn', 'error', 'fatal']);
const DARK_GRAY = 90;
const CYAN = 36;
const RED = 31;
const BOLD = 1;

export interface ConsoleOptions {
  /** Epoch milliseconds, shown as local HH:MM:SS.mmm; undefined leaves the time out (`log.time: ""`). */
  readonly timeMs: number | undefined;
  readonly color: boolean;
}

/** zerolog ConsoleWriter: time, level, message, then fields sorted by name with `error` first. No newline. */
export function formatConsole(rec: LogRecord, opts: ConsoleOptions): string {
  const paint = (s: string, code: number): string => (opts.color && code !== 0 ? `\x1b[${code}m${s}\x1b[0m` : s);
  const parts: string[] = [];
  if (opts.timeMs !== undefined) parts.push(paint(clockTime(opts.timeMs), DARK_GRAY));
  parts.push(paint(SHORT[rec.level], LEVEL_COLOR[rec.level]));
  const message = messageText(rec);
  if (message !== '') parts.push(BOLD_MESSAGE.has(rec.level) ? paint(message, BOLD) : message);
  const names = rec.fields.map(([k]) => k).filter((k, i, all) => all.lastIndexOf(k) === i);
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const errorAt = names.indexOf('error');
  if (errorAt > 0) names.unshift(...names.splice(errorAt, 1));
  const values = new Map(rec.fields);
  const rendered = names.map((name) => {
    const text = fieldText(values.get(name));
    const value = name === 'error' ? paint(paint(text, BOLD), RED) : text;
    return paint(`${name}=`, CYAN) + value;
  });
  if (rendered.length > 0) parts.push(rendered.join(' '));
  return parts.join(' ');
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return needsQuote(value) ? goQuote(value) : value;
  if (value === undefined) return 'null';
  return JSON.stringify(value) ?? 'null';
}

/** zerolog quotes a value with control bytes, non-ASCII, a space, a backslash or a double quote. */
export function needsQuote(s: string): boolean {
  return /[^\x21-\x7e]|["\\]/.test(s);
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** Go's strconv.Quote: printable Unicode stays as is, other runes become \x, \u or \U escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = GO_ESCAPES[ch];
    const cp = ch.codePointAt(0) ?? 0;
    if (esc !== undefined) out += esc;
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += '\\ufffd'; // a lone surrogate is invalid UTF-8 in Go: U+FFFD
    else if (ch === ' ' || !/[\p{C}\p{Z}]/u.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** zerolog's JSON: level, the fields in logging order, time, message (left out when empty). No newline. */
export function formatJson(rec: LogRecord, time: string | undefined): string {
  let out = `{"level":${JSON.stringify(rec.level)}`;
  // A key logged twice (binding and call) appears once, with the later value, as JSON.parse would read it.
  for (const [key, value] of new Map(rec.fields)) out += `,${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`;
  if (time !== undefined) out += `,"time":${time}`;
  const message = messageText(rec);
  if (message !== '') out += `,"message":${JSON.stringify(message)}`;
  return `${out}}`;
}

/**
 * The JSON `time` value for go2rtc's `log.time` setting (zerolog.TimeFieldFormat), already encoded:
 * a bare number for the UNIX forms, a quoted local RFC 3339 string for the Go layouts; undefined for "".
 */
export function jsonTime(ms: number, format: string): string | undefined {
  switch (format) {
    case '':
      return undefined;
    case 'UNIXMICRO':
      return String(Math.floor(ms * 1000));
    case 'UNIXNANO':
      // Beyond 2^53: build the digits with BigInt instead of a float.
      return (BigInt(Math.floor(ms * 1000)) * 1000n).toString();
    case '2006-01-02T15:04:05Z07:00':
      return JSON.stringify(rfc3339(ms, false));
    case '2006-01-02T15:04:05.999999999Z07:00':
      return JSON.stringify(rfc3339(ms, true));
    default:
      return String(Math.floor(ms));
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Local wall-clock time as zerolog's console prints it (Go layout "15:04:05.000"). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function rfc3339(ms: number, fraction: boolean): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  let clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  // Go's ".999999999" drops trailing zeros, and the dot too when nothing is left.
  if (fraction && d.getMilliseconds() !== 0) clock += `.${pad(d.getMilliseconds(), 3).replace(/0+$/, '')}`;
  const offset = -d.getTimezoneOffset();
  const zone =
    offset === 0
      ? 'Z'
      : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date}T${clock}${zone}`;
}
