import type { IncomingHttpHeaders } from 'node:http';
import type { Middleware } from 'koa';
import { ApiError } from './errors.js';
import type { ApiContext } from './request.js';

/**
 * Where a request comes from, as far as the browser tells us:
 * - `same-origin`: a page of this server (the UI, also under Ingress), or an origin `api.origin` allows;
 * - `cross-site`: another web site's page (go2rtc's CVE-2024-29192 is such a page rewriting the config);
 * - `unknown`: no browser said anything (curl, Home Assistant, Frigate), or a browser too old to send `Origin`.
 */
export type RequestSite = 'same-origin' | 'cross-site' | 'unknown';

/** Methods that change nothing; everything else is a write. */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Content types a page may send cross-site without a CORS preflight (the fetch standard's CORS-safelisted
 * request-header values). A JSON or YAML body in one of these, or with none, may have been sent by any page.
 */
const PREFLIGHT_FREE_TYPES: ReadonlySet<string> = new Set([
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
]);

/**
 * `allowedOrigin` is `api.origin`: `*` allows every origin (go2rtc's meaning: CORS for all), any other
 * non-empty value allows that one origin (`https://ha.example.com`).
 */
export function requestSite(headers: IncomingHttpHeaders, allowedOrigin: string): RequestSite {
  const origin = headers.origin;
  if (origin !== undefined && originAllowed(origin, allowedOrigin)) return 'same-origin';
  const fetchSite = headers['sec-fetch-site'];
  // same-site is refused too: another port of the same host (Home Assistant on :8123, any add-on's page) is
  // another origin, and a page there has no business rewriting this server's config.
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return 'cross-site';
  if (fetchSite === 'same-origin' || fetchSite === 'none') return 'same-origin';
  if (origin === undefined) return 'unknown';
  return sameHost(origin, headers) ? 'same-origin' : 'cross-site';
}

function originAllowed(origin: string, allowedOrigin: string): boolean {
  if (allowedOrigin === '*') return true;
  return allowedOrigin !== '' && origin.toLowerCase() === allowedOrigin.replace(/\/+$/, '').toLowerCase();
}

/**
 * The page's host against the host the request was sent to. Home Assistant's Ingress proxy passes the
 * browser's `Host` through; a reverse proxy that rewrites `Host` usually says the original in
 * `X-Forwarded-Host`, which a cross-site page cannot set (a custom header needs a preflight we never grant).
 */
function sameHost(origin: string, headers: IncomingHttpHeaders): boolean {
  let originHost: string;
  try {
    // `Origin: null` (sandboxed frames, file pages, redirects) does not parse as a URL: cross-site.
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  const hosts = [headers.host, ...forwardedHosts(headers['x-forwarded-host'])];
  return hosts.some((host) => host !== undefined && host.toLowerCase() === originHost);
}

function forwardedHosts(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',').map((host) => host.trim()));
}

/**
 * Refuses a state-changing request from another site's page before auth or any handler sees it: Basic auth
 * does not help here (the browser attaches remembered credentials), and loopback clients skip it anyway.
 * Remembers the verdict in `ctx.state.site` for the handlers that parse a body.
 */
export function crossSiteGuard(allowedOrigin: string): Middleware {
  return async (ctx, next) => {
    const site = requestSite(ctx.headers, allowedOrigin);
    ctx.state.site = site;
    if (site === 'cross-site' && !READ_METHODS.has(ctx.method)) {
      throw new ApiError(
        403,
        'CROSS_SITE_REFUSED',
        `${ctx.method} ${ctx.path}: refused, the request comes from another web site's page ` +
          `(Origin ${ctx.get('Origin') || 'absent'}); set api.origin to allow it`,
      );
    }
    await next();
  };
}

/**
 * For handlers that parse a JSON or YAML body: unless the browser said the request is same-origin, the body
 * must come with a content type that a cross-site page cannot send without a preflight. This closes what the
 * Origin check cannot see (browsers that send no `Origin`); curl and API clients only have to name the type.
 */
export function requireStructuredBody(ctx: ApiContext, expected: string): void {
  if (ctx.state.site === 'same-origin') return;
  const type = (ctx.get('Content-Type').split(';')[0] ?? '').trim().toLowerCase();
  if (type !== '' && !PREFLIGHT_FREE_TYPES.has(type)) return;
  throw new ApiError(
    415,
    'BODY_TYPE_REFUSED',
    `${ctx.method} ${ctx.path}: send the body as Content-Type: ${expected}, not ${type || 'none'} ` +
      `(a body of that type could have been sent by any web page)`,
  );
}
