import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { isLoopbackAddress } from '../../core/net.js';
import { ErrorStatusTable } from './errors.js';
import { MethodNotAllowed } from './routes.js';

export interface AuthOptions {
  username: string;
  password: string;
  /** Also require credentials from loopback and unix-socket clients. Defaults to false, as in go2rtc. */
  localAuth: boolean;
}

/**
 * go2rtc's `isLoopback` for HTTP clients: an IP loopback address, or a unix socket (a peer without an address).
 */
export function isLoopback(remoteAddress: string | undefined): boolean {
  return remoteAddress === undefined || remoteAddress === '' || isLoopbackAddress(remoteAddress);
}

/**
 * HTTP Basic auth as go2rtc applies it to every request, WebSocket upgrades included. Returns whether the
 * request may proceed.
 */
export function checkAuth(req: IncomingMessage, auth: AuthOptions | undefined): boolean {
  if (!auth) return true;
  if (!auth.localAuth && isLoopback(req.socket.remoteAddress)) return true;
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared, always, so the time taken does not tell which one was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), auth.username);
  const passOk = safeEqual(decoded.slice(colon + 1), auth.password);
  return userOk && passOk;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    timingSafeEqual(right, right);
    return false;
  }
  return timingSafeEqual(left, right);
}

export const AUTH_CHALLENGE = 'Basic realm="go2rtc"';

export function authMiddleware(auth: AuthOptions | undefined): Middleware {
  return async (ctx, next) => {
    if (!checkAuth(ctx.req, auth)) {
      ctx.set('WWW-Authenticate', AUTH_CHALLENGE);
      ctx.status = 401;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ error: 'Unauthorized', code: 'UNAUTHORIZED' }) + '\n';
      return;
    }
    await next();
  };
}

/**
 * `api.origin: "*"`: go2rtc adds these headers to every answer. A preflight (OPTIONS with
 * Access-Control-Request-Method) is answered here, since most handlers know nothing of OPTIONS.
 */
export function corsMiddleware(): Middleware {
  return async (ctx, next) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      ctx.status = 204;
      return;
    }
    await next();
  };
}

/**
 * Turns whatever a handler throws into `{"error", "code"}` with its status. 5xx are logged as errors (they are
 * ours to fix), 4xx at debug (they are the client's).
 */
export function errorMiddleware(table: ErrorStatusTable, log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const { status, body } = table.describe(err);
      if (status >= 500) log.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      else log.debug({ method: ctx.method, path: ctx.path, status, code: body.code }, body.error);
      if (ctx.headerSent || !ctx.writable) {
        // A streaming answer broke half-way; there is no status line left to change.
        ctx.req.socket.destroy();
        return;
      }
      if (err instanceof MethodNotAllowed) ctx.set('Allow', err.allowed.join(', '));
      // An unread request body (e.g. refused as too large) must not be parsed as the next request.
      if (status === 413) ctx.set('Connection', 'close');
      ctx.status = status;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(body) + '\n';
    }
  };
}
