import { Ts2rtcError } from '../core/errors.js';

/** A place in a config source: a file path as the user gave it, or `-c#N` for the N-th inline `-c` value. */
export interface ConfigLocation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units of the original (pre-`${VAR}`) text. */
  readonly column: number;
}

/** Something the server can still start with; reported once at startup and kept for the API. */
export interface ConfigWarning extends ConfigLocation {
  /** Key path such as `api.listen` or `webrtc.ice_servers[0].urls`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

export type ConfigErrorCode =
  | 'CONFIG_SYNTAX' // not YAML, or a YAML error such as a duplicate key
  | 'CONFIG_INVALID' // YAML, but a value has the wrong type or is out of range
  | 'CONFIG_READ' // a config file exists but could not be read
  | 'CONFIG_WRITE'; // an API edit could not be written back

/**
 * Every config problem that stops startup or rejects an API edit. The message is complete on its own
 * (`config ts2rtc.yaml:3:11: api.listen: expected a string, got a list`); the fields let callers build
 * their own.
 */
export class ConfigError extends Ts2rtcError {
  declare readonly code: ConfigErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly path: string | undefined;
  /** The message without the `config file:line:col: path:` prefix. */
  readonly reason: string;

  constructor(
    code: ConfigErrorCode,
    reason: string,
    where: Partial<ConfigLocation> & { path?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(code, formatConfigMessage(reason, where), options);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.path = where.path;
    this.reason = reason;
  }
}

/** `config <file>:<line>:<col>: <path>: <reason>`, leaving out the parts that are unknown. */
export function formatConfigMessage(reason: string, where: Partial<ConfigLocation> & { path?: string }): string {
  let prefix = 'config';
  if (where.file !== undefined) {
    prefix += ` ${where.file}`;
    if (where.line !== undefined) prefix += `:${where.line}:${where.column ?? 1}`;
  }
  const path = where.path ? `${where.path}: ` : '';
  return `${prefix}: ${path}${reason}`;
}
