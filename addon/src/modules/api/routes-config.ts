import { SECRET_MASK, maskConfigText, restoreMaskedSecrets } from '../../core/creds.js';
import { ConfigError } from '../../config/errors.js';
import type { ConfigEdit } from '../../config/write.js';
import type { Config } from '../../config/types.js';
import type { ApplyReport } from './config-apply.js';
import type { ConfigProblem, ConfigReport } from './config-check.js';
import { presentsApiCredentials } from './credentials.js';
import { requireStructuredBody } from './cross-site.js';
import { ApiError } from './errors.js';
import type { AuthOptions } from './middleware.js';
import { queryValue, readBody, sendEmpty, sendJson, type ApiContext } from './request.js';
import type { RouteTable } from './routes.js';

/** Config files are small, but a commented one with many cameras can pass 1 MiB. */
export const CONFIG_BODY_LIMIT = 4 * 1024 * 1024;

/** The config file, as `/api/config` edits it; undefined when the server runs without a file. */
export interface ConfigFileAccess {
  read(): Promise<string>;
  /**
   * Replaces the file when `check` accepts the new text (else throws what it threw), keeping the old text as
   * `<file>.bak`; both written atomically. Throws `CONFIG_SYNTAX` for a body that is not YAML.
   */
  replace(text: string, check: (text: string) => void): Promise<ConfigEdit>;
  /** Deep-merges the YAML into the file (maps merge, lists and scalars replace), with `check` on the result. */
  patch(text: string, check: (text: string) => void): Promise<ConfigEdit>;
}

/** What the config routes need from the server besides the file. */
export interface ConfigRuntime {
  /** The startup schema plus the source schemes this server has. */
  check(text: string): ConfigReport;
  /** Brings the running streams in line with a saved config. */
  apply(before: Config | undefined, after: Config): ApplyReport;
  /** `api.username`/`password`: a request that presents them may ask for the raw file (`?raw=1`). */
  auth?: AuthOptions | undefined;
}

/** A refused edit: 400 with every problem, so a client (the config editor) can mark each at its line. */
export class ConfigRefused extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    const first = problems[0];
    const where = first
      ? `${first.line !== undefined ? `line ${first.line}: ` : ''}${first.path ? `${first.path}: ` : ''}${first.message}`
      : 'invalid';
    super(`config refused, nothing saved: ${where}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  }
}

/**
 * `/api/config` (go2rtc internal/api/config.go): 410 without a config file; GET the raw file as
 * `application/yaml`; POST replaces it and PATCH merges into it. Unlike go2rtc, the resulting config is
 * checked with the startup schema (and its stream sources against the registered schemes) before anything
 * is written: a refused edit is a 400 JSON `{error, code, errors: [{line, column, path, message, code}]}` and
 * leaves the file as it was, so an edit cannot stop the next start. A saved edit keeps the previous file as
 * `<file>.bak`, and the streams are brought in line with the file at once (sections read only at startup
 * are listed in the answer as needing a restart).
 *
 * `?check=1` on POST/PATCH checks only: 200 JSON `{valid, errors, warnings}`, nothing written.
 * A saving POST/PATCH answers empty (go2rtc) unless the client accepts JSON, which gets what was applied.
 * Other methods, PUT included, are accepted and do nothing, as in go2rtc.
 *
 * Secrets (issue 15): GET answers the file with every secret as `***` (core/creds `maskConfigText`: URL
 * passwords, HomeKit keys, ngrok's token, `password`/`credential`/`token` values), unlike go2rtc, whose
 * raw answer gave any page that reached the API every camera password. Every write (and `?check=1`) first
 * puts the current file's secrets back where the body still has `***` (`restoreMaskedSecrets`), so the web
 * UI's editor (ours and go2rtc's: GET, edit, POST the whole text) saves without wiping a password; a `***` it
 * cannot tie to one secret is a 400 `CONFIG_MASKED` at its line, nothing saved. The raw file is for the
 * owner only: `?raw=1` with the API's credentials in the request itself (so never without `api.username`,
 * and never through a browser session that merely got past the loopback bypass); otherwise 403.
 */
export function registerConfigRoutes(
  routes: RouteTable,
  file: ConfigFileAccess | undefined,
  runtime: ConfigRuntime,
): void {
  routes.add('*', 'api/config', async (ctx: ApiContext) => {
    const write = ctx.method === 'POST' || ctx.method === 'PATCH';
    if (write && isTrue(queryValue(ctx, 'check'))) {
      // Checking needs no file, except to merge a PATCH into.
      if (!file && ctx.method === 'PATCH') throw disabled();
      requireStructuredBody(ctx, 'application/yaml');
      const raw = (await readBody(ctx, CONFIG_BODY_LIMIT)).toString('utf8');
      const restored = file ? await restoreSecrets(file, raw) : { text: raw, problems: [] };
      const body = restored.text;
      const text = ctx.method === 'PATCH' && file ? await mergedPreview(file, body) : body;
      const report = runtime.check(text);
      const errors = [...restored.problems, ...report.errors];
      sendJson(ctx, { valid: errors.length === 0, errors, warnings: report.warnings }, { mask: true });
      return;
    }
    if (!file) throw disabled();
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      let text: string;
      try {
        text = await file.read();
      } catch (err) {
        throw new ApiError(404, 'NOT_FOUND', 'config file not readable', { cause: err });
      }
      const raw = isTrue(queryValue(ctx, 'raw'));
      if (raw && !presentsApiCredentials(ctx, runtime.auth)) {
        throw new ApiError(
          403,
          'CONFIG_RAW_FORBIDDEN',
          'the raw config file (with its passwords) needs the API credentials in the request',
        );
      }
      ctx.status = 200;
      ctx.type = 'application/yaml';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = raw ? text : maskConfigText(text);
      return;
    }
    if (!write) {
      sendEmpty(ctx);
      return;
    }
    requireStructuredBody(ctx, 'application/yaml');
    const restored = await restoreSecrets(file, (await readBody(ctx, CONFIG_BODY_LIMIT)).toString('utf8'));
    if (restored.problems.length > 0) {
      const refused = new ConfigRefused(restored.problems);
      sendJson(
        ctx,
        { error: refused.message, code: 'CONFIG_MASKED', errors: refused.problems },
        { status: 400, mask: true },
      );
      return;
    }
    await save(ctx, file, runtime, restored.text);
  });
}

/**
 * The body with the current file's secrets back in place of the `***` a masked GET showed; a `***` that
 * stands for no one secret is a problem at its line (saving it would set the password to `***`).
 */
async function restoreSecrets(
  file: ConfigFileAccess,
  body: string,
): Promise<{ text: string; problems: ConfigProblem[] }> {
  if (!body.includes(SECRET_MASK)) return { text: body, problems: [] };
  let current = '';
  try {
    current = await file.read();
  } catch {
    // No file yet: nothing to restore, every `***` is unresolved.
  }
  const { text, unresolved } = restoreMaskedSecrets(body, current);
  const problems = unresolved.map((u): ConfigProblem => ({
    code: 'CONFIG_MASKED',
    line: u.line,
    column: u.column,
    path: '',
    message: `${SECRET_MASK} stands for a hidden password, but ${u.where} is not in the saved file (its URL or key changed): type the password again`,
  }));
  return { text, problems };
}

function disabled(): ApiError {
  return new ApiError(410, 'CONFIG_DISABLED', 'config file disabled');
}

async function save(ctx: ApiContext, file: ConfigFileAccess, runtime: ConfigRuntime, body: string): Promise<void> {
  let after: Config | undefined;
  const check = (text: string): void => {
    const report = runtime.check(text);
    if (!report.valid || !report.config) throw new ConfigRefused(report.errors);
    after = report.config;
  };
  let edit: ConfigEdit;
  try {
    edit = ctx.method === 'PATCH' ? await file.patch(body, check) : await file.replace(body, check);
  } catch (err) {
    // A body that is not YAML (or not a map) is refused before the check runs: the same answer, one problem.
    const refused = refusal(err);
    if (!refused) throw err;
    sendJson(
      ctx,
      { error: refused.message, code: problemCode(refused.problems), errors: refused.problems },
      { status: 400, mask: true },
    );
    return;
  }
  if (!after) throw new ApiError(500, 'INTERNAL', 'config saved without a checked result');
  const before = runtime.check(edit.before).config;
  const applied = runtime.apply(before, after);
  if (!accepts(ctx, 'application/json')) {
    sendEmpty(ctx);
    return;
  }
  sendJson(ctx, {
    saved: edit.after !== edit.before,
    backup: edit.backupPath ?? null,
    streams: applied.streams,
    restart_required: applied.restartRequired,
  });
}

/** What a PATCH would produce, for `?check=1`: the same merge, without writing. */
async function mergedPreview(file: ConfigFileAccess, patch: string): Promise<string> {
  let merged = '';
  try {
    await file.patch(patch, (text) => {
      merged = text;
      throw new PreviewOnly();
    });
  } catch (err) {
    if (!(err instanceof PreviewOnly)) throw err;
  }
  return merged;
}

class PreviewOnly extends Error {}

/** The 400 for an edit the config refuses; undefined for a failure that is ours (reading, writing). */
function refusal(err: unknown): ConfigRefused | undefined {
  if (err instanceof ConfigRefused) return err;
  if (err instanceof ConfigError && (err.code === 'CONFIG_SYNTAX' || err.code === 'CONFIG_INVALID'))
    return new ConfigRefused([problemOf(err)]);
  return undefined;
}

function problemOf(err: ConfigError): ConfigProblem {
  return { code: err.code, line: err.line, column: err.column, path: err.path ?? '', message: err.reason };
}

/** The code of the first problem class: a syntax error says more than the invalid values after it. */
function problemCode(problems: readonly ConfigProblem[]): string {
  if (problems.some((p) => p.code === 'CONFIG_SYNTAX')) return 'CONFIG_SYNTAX';
  if (problems.some((p) => p.code === 'CONFIG_INVALID')) return 'CONFIG_INVALID';
  return problems[0]?.code ?? 'CONFIG_INVALID';
}

function accepts(ctx: ApiContext, type: string): boolean {
  return (ctx.get('Accept') ?? '').toLowerCase().includes(type);
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value !== '0' && value.toLowerCase() !== 'false';
}
