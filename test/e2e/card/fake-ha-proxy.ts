import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/**
 * fake-ha-proxy: a STAND-IN for the Home Assistant side of the card, because no Home Assistant frontend runs
 * in these browser tests. It does what the real pieces do, on 127.0.0.1:
 * - `POST /test/sign?path=..` plays `hass.callWS({type: 'auth/sign_path'})`: an HS256 JWT whose `path` claim is
 *   the path, valid 30 s, appended as `?authSig=` (Home Assistant's format).
 * - `/api/ts2rtc/ws` (and `/api/webrtc/ws`, AlexxIT's path) play the integration's proxy view: the upgrade is
 *   refused (401) without a valid signature for exactly that path; then `url=` | `entity=` (+ `server=`) become
 *   the upstream `ws://<server>/api/ws?src=..` (an entity through `entities`, as the integration resolves a
 *   camera's stream source), and frames are forwarded both ways. A failing upstream answers
 *   `{"type":"error","value":..}` on the browser's socket, as AlexxIT's proxy does.
 * - `/` serves the test page and `/webrtc-camera.js` the built card.
 * The real proxy is the integration's (tested with real Home Assistant in integration/tests).
 */

export interface FakeHaProxyOptions {
  /** The test page. */
  html: string;
  /** The built card file. */
  cardFile: string;
  /** Default upstream server (`http://127.0.0.1:PORT`), used when the card sends no `server=`. */
  upstream: () => string;
  /** Camera entities → the ts2rtc stream (or URL) they resolve to. */
  entities?: Record<string, string>;
}

export interface FakeHaProxy {
  readonly url: string;
  /** Upgrades refused for a missing or bad signature. */
  readonly refused: number;
  /** Proxied sockets opened so far, with the upstream URL each went to. */
  readonly upstreamUrls: string[];
  close(): Promise<void>;
}

const PROXY_PATHS = new Set(['/api/ts2rtc/ws', '/api/webrtc/ws']);

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function signPath(secret: Buffer, path: string, now = Date.now()): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const iat = Math.floor(now / 1000);
  const claims = base64url(JSON.stringify({ iss: 'fake-refresh-token', path, iat, exp: iat + 30 }));
  const signature = base64url(createHmac('sha256', secret).update(`${header}.${claims}`).digest());
  return `${header}.${claims}.${signature}`;
}

/** True when `token` is a valid, unexpired signature of `path` (Home Assistant's validate_signed_request). */
export function verifySignature(secret: Buffer, token: string, path: string, now = Date.now()): boolean {
  const [header, claims, signature] = token.split('.');
  if (!header || !claims || !signature) return false;
  const expected = createHmac('sha256', secret).update(`${header}.${claims}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  try {
    const parsed = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { path?: unknown; exp?: unknown };
    return parsed.path === path && typeof parsed.exp === 'number' && parsed.exp * 1000 > now;
  } catch {
    return false;
  }
}

export async function startFakeHaProxy(options: FakeHaProxyOptions): Promise<FakeHaProxy> {
  const secret = randomBytes(32);
  const wss = new WebSocketServer({ noServer: true });
  const upstreamUrls: string[] = [];
  const sockets = new Set<WebSocket>();
  let refused = 0;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/test/sign') {
      const path = url.searchParams.get('path') ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: `${path}?authSig=${signPath(secret, path)}` }));
      return;
    }
    if (url.pathname === '/webrtc-camera.js') {
      readFile(options.cardFile).then(
        (body) => {
          res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
          res.end(body);
        },
        () => {
          res.writeHead(404);
          res.end();
        },
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(options.html);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = url.searchParams.get('authSig') ?? '';
    if (!PROXY_PATHS.has(url.pathname) || !verifySignature(secret, token, url.pathname)) {
      refused++;
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (browser) => bridge(browser, url));
  });

  function bridge(browser: WebSocket, url: URL): void {
    sockets.add(browser);
    const server = url.searchParams.get('server') || options.upstream();
    const entity = url.searchParams.get('entity');
    const query = new URLSearchParams();
    if (entity) {
      const src = options.entities?.[entity];
      if (!src) {
        browser.send(JSON.stringify({ type: 'error', value: `unknown camera entity ${entity}` }));
        browser.close();
        return;
      }
      query.set('src', src);
      query.set('name', entity);
    } else {
      query.set('src', url.searchParams.get('url') ?? '');
    }
    const target = `${server.replace(/^http/, 'ws').replace(/\/$/, '')}/api/ws?${query.toString()}`;
    upstreamUrls.push(target);
    const upstream = new WebSocket(target);
    sockets.add(upstream);
    const pending: Array<[RawData, boolean]> = [];
    browser.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else pending.push([data, isBinary]);
    });
    upstream.on('open', () => {
      for (const [data, isBinary] of pending.splice(0)) upstream.send(data, { binary: isBinary });
    });
    upstream.on('message', (data, isBinary) => {
      if (browser.readyState === WebSocket.OPEN) browser.send(data, { binary: isBinary });
    });
    upstream.on('error', (err) => {
      if (browser.readyState === WebSocket.OPEN) browser.send(JSON.stringify({ type: 'error', value: err.message }));
      browser.close();
    });
    upstream.on('close', () => browser.close());
    browser.on('close', () => upstream.close());
    browser.on('error', () => upstream.close());
    upstream.on('close', () => sockets.delete(upstream));
    browser.on('close', () => sockets.delete(browser));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get refused() {
      return refused;
    },
    upstreamUrls,
    close: async () => {
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
