import type { Context } from 'koa';
import { requireStructuredBody } from './cross-site.js';
import { ApiError, maskSecrets } from './errors.js';

/** What route handlers receive: koa's context (status, body, headers, the raw req/res for streaming). */
export type ApiContext = Context;

/** Default request body limit; routes that accept more (config files) pass their own. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** go2rtc reads `r.URL.Query()`: `+` is a space and the first value of a repeated key wins for `Get`. */
export function queryParams(ctx: ApiContext): URLSearchParams {
  return new URLSearchParams(ctx.querystring);
}

export function queryValue(ctx: ApiContext, key: string): string | undefined {
  return queryParams(ctx).get(key) ?? undefined;
}

export function queryValues(ctx: ApiContext, key: string): string[] {
  return queryParams(ctx).getAll(key);
}

/** A required, non-empty query parameter, else 400. */
export function requireQuery(ctx: ApiContext, key: string): string {
  const value = queryValue(ctx, key);
  if (!value) throw new ApiError(400, 'BAD_REQUEST', `missing query parameter: ${key}`);
  return value;
}

/**
 * Reads the whole request body, refusing more than `limit` bytes with 413. The declared length is checked
 * first, so a huge upload is refused before any of it is buffered; a chunked one is counted as it arrives.
 */
export async function readBody(ctx: ApiContext, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  const declared = ctx.request.length;
  if (declared !== undefined && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'BODY_TOO_LARGE', `request body larger than ${limit} bytes`);
}

/**
 * The body parsed as JSON, 400 `BODY_INVALID` when it is not; 415 `BODY_TYPE_REFUSED` when a page of another
 * site could have sent it (see `requireStructuredBody`).
 */
export async function readJson(ctx: ApiContext, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  requireStructuredBody(ctx, 'application/json');
  const text = (await readBody(ctx, limit)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'BODY_INVALID', `invalid JSON body: ${err instanceof Error ? err.message : 'parse error'}`);
  }
}

/**
 * go2rtc's `ResponseJSON` (compact, trailing newline) or `ResponsePrettyJSON` (2-space indent). `mask` runs the
 * text through the credential masking, as go2rtc's `creds.SecretResponse` does for stream listings.
 */
export function sendJson(
  ctx: ApiContext,
  value: unknown,
  options: { pretty?: boolean; mask?: boolean; status?: number } = {},
): void {
  let text = JSON.stringify(value, null, options.pretty ? 2 : undefined) + '\n';
  if (options.mask) text = maskSecrets(text);
  ctx.status = options.status ?? 200;
  ctx.type = 'application/json';
  ctx.body = text;
}

export function sendText(ctx: ApiContext, text: string, type = 'text/plain; charset=utf-8'): void {
  ctx.status = 200;
  ctx.type = type;
  ctx.body = text;
}

/** An empty 200, which is what go2rtc's PUT/PATCH/DELETE handlers answer on success. */
export function sendEmpty(ctx: ApiContext, status = 200): void {
  ctx.status = status;
  ctx.body = '';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
