import { openSync, writeSync } from 'node:fs';
import { pino } from 'pino';
import type { DestinationStream, LevelWithSilent, Logger } from 'pino';
import type { LogConfig, LogLevelName } from '../../config/types.js';
import { formatConsole, formatJson, jsonTime, parsePinoLine } from './format.js';
import { LogRing } from './ring.js';
import type { LogRingOptions } from './ring.js';

export { LogRing } from './ring.js';
export type { LogRingOptions } from './ring.js';
export { formatConsole, formatJson, parsePinoLine } from './format.js';
export type { LogRecord } from './format.js';

/**
 * Logging for the whole process (go2rtc internal/app/log.go): a pino root logger and one child per module
 * with its own level (`log.<module>`, else `log.level`). Every record is written synchronously in go2rtc's
 * console format (or its JSON with `log.format: json`) and kept as a JSON line in a bounded ring for
 * `/api/log`. URL passwords (`://user:pass@`) and registered secrets are masked in both, as go2rtc does.
 */

/** Where log lines go: process.stdout/stderr fit, tests pass an array-backed sink. */
export interface LogSink {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface LoggingOptions {
  /** Epoch milliseconds; defaults to Date.now. Tests inject a fixed clock. */
  readonly now?: () => number;
  /** Read for NO_COLOR; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly ring?: LogRingOptions;
  /** Values to mask from the start (the config loader's `secrets`). */
  readonly secrets?: readonly string[];
}

export interface Logging {
  readonly root: Logger;
  /** The logger of one module; the same instance for the same name. */
  module(name: string): Logger;
  readonly ring: LogRing;
  /** Masks this value as `***` in every later line. */
  addSecret(value: string): void;
}

const PINO_LEVEL: Readonly<Record<LogLevelName, LevelWithSilent>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal', // pino has no panic level; ts2rtc never logs at it, so it acts as fatal
  disabled: 'silent',
};

/**
 * `out`: undefined → chosen by `log.output` (stdout, stderr, file[:path], or "" for memory only);
 * null → memory only; a sink → that sink.
 */
export function createLogging(cfg: LogConfig, out?: LogSink | null, opts: LoggingOptions = {}): Logging {
  const now = opts.now ?? Date.now;
  const env = opts.env ?? process.env;
  const ring = new LogRing(opts.ring);
  const masker = new SecretMasker(opts.secrets ?? []);
  const opened = out === undefined ? sinkFor(cfg.output) : { sink: out, problem: undefined };
  const sink = opened.sink;
  const json = cfg.format === 'json';
  const color = !json && !env['NO_COLOR'] && (cfg.format === 'color' || (cfg.format === '' && sink?.isTTY === true));

  const destination: DestinationStream = {
    write(line: string) {
      const rec = parsePinoLine(line);
      if (!rec) return;
      const ms = now();
      const jsonLine = masker.mask(formatJson(rec, jsonTime(ms, cfg.time)));
      ring.push(jsonLine);
      if (!sink) return;
      const text = json
        ? jsonLine
        : masker.mask(formatConsole(rec, { timeMs: cfg.time === '' ? undefined : ms, color }));
      sink.write(`${text}\n`);
    },
  };

  const root = pino({ level: PINO_LEVEL[cfg.level], base: null, timestamp: false }, destination);
  const children = new Map<string, Logger>();
  const logging: Logging = {
    root,
    ring,
    module(name) {
      let child = children.get(name);
      if (!child) {
        child = root.child({ module: name }, { level: PINO_LEVEL[cfg.modules[name] ?? cfg.level] });
        children.set(name, child);
      }
      return child;
    },
    addSecret: (value) => masker.add(value),
  };
  if (opened.problem)
    logging
      .module('log')
      .warn({ output: cfg.output, err: opened.problem }, 'cannot open the log file; logging to memory only');
  return logging;
}

function sinkFor(output: string): { sink: LogSink | null; problem: string | undefined } {
  if (output === 'stdout') return { sink: process.stdout, problem: undefined };
  if (output === 'stderr') return { sink: process.stderr, problem: undefined };
  if (output === 'file' || output.startsWith('file:')) {
    const path = output.slice('file:'.length) || 'ts2rtc.log';
    try {
      const fd = openSync(path, 'a');
      return { sink: { write: (chunk: string) => writeSync(fd, chunk) }, problem: undefined };
    } catch (err) {
      return { sink: null, problem: err instanceof Error ? err.message : String(err) };
    }
  }
  return { sink: null, problem: undefined };
}

// Characters of a URL's userinfo (RFC 3986), as go2rtc's pkg/creds matches them.
const USERINFO = /:\/\/[A-Za-z0-9\-._~!$&'()*+,;=%:]+@/g;

/** go2rtc's creds.SecretWriter: `://user:pass@` → `://***@`, then every known secret → `***`. */
export class SecretMasker {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(initial: readonly string[] = []) {
    for (const s of initial) this.add(s);
  }

  add(value: string): void {
    if (value === '' || this.secrets.has(value)) return;
    this.secrets.add(value);
    // Longest first, so a secret that contains another is masked whole.
    const alternatives = [...this.secrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.pattern = new RegExp(alternatives.join('|'), 'g');
  }

  mask(text: string): string {
    const out = text.replace(USERINFO, '://***@');
    return this.pattern ? out.replace(this.pattern, '***') : out;
  }
}
