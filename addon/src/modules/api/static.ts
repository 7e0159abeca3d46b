import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from './errors.js';
import type { ApiContext } from './request.js';
import type { ApiHandler } from './routes.js';

/**
 * The built-in UI: `addon/www`, found relative to this module so it works from `src/` (tsx in tests) and from
 * `dist/` (the package) alike: both are two levels below `addon/`.
 */
export const BUILTIN_WWW_DIR = fileURLToPath(new URL('../../../www/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * For the built-in pages: everything from this server only (a stray CDN reference would break the panel
 * offline, and is a way in for someone else's script). Styles may be inline (the editor and the player set
 * them from script); scripts may be inline for go2rtc's player pages (stream.html, webrtc.html). `'self'` in
 * connect-src covers this origin's ws:/wss: too (CSP level 3: Chrome, Firefox, Safari 15.4+).
 * Not sent for a user's `static_dir`, which may be go2rtc's own UI with its CDN scripts.
 */
export const BUILTIN_UI_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Serves files under `root` at `{basePath}/` (go2rtc's `http.FileServer` on the embedded `www/` or `static_dir`).
 * Unknown `{basePath}/api/...` paths get the API's JSON 404 rather than a file-server one.
 */
export function staticHandler(root: string, basePath: string): ApiHandler {
  const rootDir = path.resolve(root);
  const builtin = rootDir === path.resolve(BUILTIN_WWW_DIR);
  return async (ctx: ApiContext) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      throw new ApiError(405, 'METHOD_NOT_ALLOWED', `method ${ctx.method} not allowed`);
    }
    const relative = ctx.path.slice(basePath.length);
    if (relative === '/api' || relative.startsWith('/api/')) throw notFound(ctx.path);
    let decoded: string;
    try {
      decoded = decodeURIComponent(relative);
    } catch {
      throw notFound(ctx.path);
    }
    if (decoded.includes('\0')) throw notFound(ctx.path);
    let file = path.resolve(rootDir, '.' + path.posix.normalize(decoded));
    // normalize() keeps the path inside the root; this guards against anything it missed.
    if (file !== rootDir && !file.startsWith(rootDir + path.sep)) throw notFound(ctx.path);
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      if (!ctx.path.endsWith('/')) {
        // Relative links in index.html only resolve against a URL ending in '/'.
        ctx.status = 301;
        ctx.redirect(ctx.path + '/' + (ctx.querystring ? `?${ctx.querystring}` : ''));
        return;
      }
      file = path.join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) throw notFound(ctx.path);
    ctx.status = 200;
    ctx.type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    ctx.length = info.size;
    ctx.lastModified = info.mtime;
    // The UI changes with the server; a stale cached script is worse than a revalidation.
    ctx.set('Cache-Control', 'no-cache');
    if (builtin && ctx.type.startsWith('text/html')) ctx.set('Content-Security-Policy', BUILTIN_UI_CSP);
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    if (ctx.method === 'HEAD') return;
    ctx.body = createReadStream(file);
  };
}

function notFound(pathname: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `not found: ${pathname}`);
}
