import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { formatPath } from '../../config/dsl.js';
import type { ConfigError, ConfigWarning } from '../../config/errors.js';
import { checkConfigText } from '../../config/load.js';
import type { Config } from '../../config/types.js';
import { SourceText } from '../../config/source.js';
import { errorMessage, Ts2rtcError } from '../../core/errors.js';
import { parseSourceUrl } from '../streams/source-url.js';
import { maskSecrets } from './errors.js';

/** One problem of a config text, as the editor marks it: at its line, with the key path. */
export interface ConfigProblem {
  /** `CONFIG_SYNTAX`, `CONFIG_INVALID`, `SOURCE_UNSUPPORTED`, `SOURCE_URL_INVALID`; `WARNING` for a warning. */
  readonly code: string;
  /** 1-based; undefined when the problem has no place (a missing required key). */
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** `api.listen`, `streams.cam[1]`; empty for the whole document. */
  readonly path: string;
  /** Without the location prefix. */
  readonly message: string;
}

export interface ConfigReport {
  readonly valid: boolean;
  readonly errors: ConfigProblem[];
  readonly warnings: ConfigProblem[];
  /** Only when valid. */
  readonly config?: Config;
}

/**
 * A config text checked as startup checks it (the same schema), with every invalid value reported, plus
 * what startup lets through but an edit from the API must not: a stream source whose scheme this server
 * has no module for (startup keeps such a stream and shows the error on it, so a config written for a newer
 * go2rtc still starts; an edit made here is refused instead, so it cannot introduce one).
 */
export function checkConfig(text: string, schemes: readonly string[]): ConfigReport {
  const check = checkConfigText(text, { label: 'config' });
  const errors = check.errors.map(fromConfigError);
  const warnings = check.warnings.map(fromWarning);
  if (check.config) errors.push(...checkSources(text, check.config, new Set(schemes)));
  const valid = errors.length === 0;
  return valid && check.config ? { valid, errors, warnings, config: check.config } : { valid, errors, warnings };
}

function fromConfigError(err: ConfigError): ConfigProblem {
  return { code: err.code, line: err.line, column: err.column, path: err.path ?? '', message: maskSecrets(err.reason) };
}

function fromWarning(w: ConfigWarning): ConfigProblem {
  return { code: 'WARNING', line: w.line, column: w.column, path: w.path, message: maskSecrets(w.message) };
}

/** Every `streams:` source must parse and name a registered scheme; each problem is placed at its value. */
function checkSources(text: string, config: Config, schemes: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const doc = parseDocument(text, { merge: true });
  const source = new SourceText('config', text);
  const streamsNode = doc.get('streams', true);
  for (const [name, urls] of Object.entries(config.streams)) {
    const entry = isMap(streamsNode) ? streamsNode.get(name, true) : undefined;
    urls.forEach((raw, i) => {
      // `name: ""` declares a stream that waits for a publisher.
      if (raw === '') return;
      const node = isSeq(entry) ? entry.get(i, true) : entry;
      const path = formatPath(isSeq(entry) ? ['streams', name, i] : ['streams', name]);
      const problem = sourceProblem(raw, schemes);
      if (!problem) return;
      const where = placeOf(node, source);
      problems.push({ ...problem, ...where, path });
    });
  }
  return problems;
}

function sourceProblem(raw: string, schemes: ReadonlySet<string>): { code: string; message: string } | undefined {
  let scheme: string;
  try {
    scheme = parseSourceUrl(raw).scheme;
  } catch (err) {
    return {
      code: err instanceof Ts2rtcError ? err.code : 'SOURCE_URL_INVALID',
      message: maskSecrets(errorMessage(err)),
    };
  }
  if (schemes.has(scheme)) return undefined;
  return {
    code: 'SOURCE_UNSUPPORTED',
    message: `unknown source scheme "${scheme}:" (this server supports ${[...schemes].map((s) => `${s}:`).join(', ')})`,
  };
}

function placeOf(node: unknown, source: SourceText): { line: number | undefined; column: number | undefined } {
  const range = isScalar(node) || isSeq(node) || isMap(node) ? node.range : undefined;
  if (!range) return { line: undefined, column: undefined };
  const at = source.locate(range[0]);
  return { line: at.line, column: at.column };
}
