import { readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import Koa from 'koa';
import type { Logger } from 'pino';
import { Ts2rtcError, errorMessage } from '../../core/errors.js';
import { parseListenAddress, type ListenAddress } from '../../core/net.js';
import { ApiError, ErrorStatusTable } from './errors.js';
import { crossSiteGuard } from './cross-site.js';
import { authMiddleware, corsMiddleware, errorMiddleware, type AuthOptions } from './middleware.js';
import { RouteTable } from './routes.js';
import { staticHandler } from './static.js';
import { WsHub, rejectUpgrade, type WsOptions } from './ws.js';

/** The `api:` config section, normalised (go2rtc's defaults applied, base_path cleaned). */
export interface ApiSettings {
  /** `host:port`; `""` = no TCP listener. go2rtc's default is `:1984`. */
  listen: string;
  /** Unix socket path; `""` = none. */
  unixListen: string;
  tlsListen: string;
  /** PEM text, or a path to a PEM file (go2rtc tells them apart by a newline). */
  tlsCert: string;
  tlsKey: string;
  /** `""` or `/something` without a trailing slash. */
  basePath: string;
  /** Folder served at `{basePath}/`; the built-in UI when empty. */
  staticDir: string;
  origin: string;
  auth: AuthOptions | undefined;
  /** When set, only these absolute paths are registered (Home Assistant's managed config uses it). */
  allowPaths: readonly string[] | undefined;
  ws: WsOptions;
}

/** What `start()` bound: the TCP port (the real one when `listen` asked for port 0), and the others. */
export interface ApiAddresses {
  http?: { host: string; port: number };
  tls?: { host: string; port: number };
  unix?: string;
}

/**
 * The koa application and its listeners. Middleware order follows go2rtc (auth, then CORS, then the route
 * table), except that a CORS preflight is answered before auth: browsers never send credentials on one.
 */
export class ApiServer {
  readonly routes: RouteTable;
  readonly errors = new ErrorStatusTable();
  readonly ws: WsHub;
  private readonly koa = new Koa();
  private readonly servers: Server[] = [];
  private readonly wsPath: string | undefined;

  constructor(
    readonly settings: ApiSettings,
    defaultStaticDir: string,
    private readonly log: Logger,
  ) {
    this.routes = new RouteTable(settings.basePath, settings.allowPaths, log);
    this.ws = new WsHub(settings.ws, settings.origin, settings.auth, log);
    // A plain GET of the WebSocket path (no Upgrade header) is a client mistake; the route also decides, through
    // allow_paths, whether upgrades are taken at all.
    const wsAllowed = this.routes.add('*', 'api/ws', () => {
      throw new ApiError(400, 'BAD_REQUEST', 'websocket upgrade required');
    });
    this.wsPath = wsAllowed ? this.routes.resolve('api/ws') : undefined;

    const root = settings.staticDir || defaultStaticDir;
    if (settings.staticDir) log.info({ dir: settings.staticDir }, 'serve static');
    this.routes.add('*', '', staticHandler(root, settings.basePath));

    this.koa.silent = true;
    this.koa.on('error', (err: unknown) => log.debug({ err: errorMessage(err) }, 'http error after response'));
    this.koa.use(errorMiddleware(this.errors, log));
    if (settings.origin === '*') this.koa.use(corsMiddleware());
    this.koa.use(crossSiteGuard(settings.origin));
    this.koa.use(authMiddleware(settings.auth));
    this.koa.use(async (ctx) => {
      const base = settings.basePath;
      if (base && ctx.path === base) {
        // As Go's ServeMux does for a subtree pattern: `/base` → `/base/`, so the UI's relative links resolve.
        ctx.status = 301;
        ctx.redirect(`${base}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
        return;
      }
      const handler = this.routes.match(ctx.method, ctx.path);
      if (!handler) throw new ApiError(404, 'NOT_FOUND', `not found: ${ctx.path}`);
      await handler(ctx);
    });
  }

  /** Opens every configured listener; any failure closes the ones already open and throws. */
  async start(): Promise<ApiAddresses> {
    const { listen, unixListen, tlsListen, tlsCert, tlsKey } = this.settings;
    const addresses: ApiAddresses = {};
    try {
      if (listen) {
        const { host, port } = parseListen(listen);
        const server = this.newServer(createServer());
        const bound = await listenTcp(server, host, port, listen);
        addresses.http = bound;
        this.log.info({ addr: listen }, 'listen');
      }
      if (unixListen) {
        await removeStaleSocket(unixListen);
        const server = this.newServer(createServer());
        await listenUnix(server, unixListen);
        addresses.unix = unixListen;
        this.log.info({ addr: unixListen }, 'listen');
      }
      if (tlsListen && tlsCert && tlsKey) {
        const { host, port } = parseListen(tlsListen);
        const credentials = { cert: await readPem(tlsCert, 'tls_cert'), key: await readPem(tlsKey, 'tls_key') };
        let tlsServer: Server;
        try {
          tlsServer = createTlsServer(credentials);
        } catch (err) {
          throw new Ts2rtcError('API_TLS_INVALID', `api: tls: ${errorMessage(err)}`, { cause: err });
        }
        const server = this.newServer(tlsServer);
        addresses.tls = await listenTcp(server, host, port, tlsListen);
        this.log.info({ addr: tlsListen }, 'tls listen');
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    return addresses;
  }

  /** Closes the listeners, every open HTTP connection and every WebSocket. */
  async stop(): Promise<void> {
    this.ws.closeAll();
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) {
              resolve();
              return;
            }
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private newServer(server: Server): Server {
    const handle = this.koa.callback();
    // Koa's handler catches its own errors (ctx.onerror answers 500): its promise never rejects.
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on('clientError', (err: Error, socket: Duplex) => {
      this.log.debug({ err: err.message }, 'http client error');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    // Slow-header clients are dropped like go2rtc's ReadHeaderTimeout; bodies may stream for as long as they
    // need (ingest endpoints), each route bounds what it buffers.
    server.headersTimeout = 10_000;
    server.requestTimeout = 0;
    this.servers.push(server);
    return server;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err: Error) => this.log.debug({ err: err.message }, 'upgrade socket error'));
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (path !== this.wsPath) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    this.ws.upgrade(req, socket, head);
  }
}

/** `:1984`, `127.0.0.1:1984`, `[::1]:1984`, `localhost:0`. An empty host listens on every interface. */
export function parseListen(listen: string): ListenAddress {
  const address = parseListenAddress(listen);
  if (!address) throw invalidListen(listen);
  return address;
}

function invalidListen(listen: string): Ts2rtcError {
  return new Ts2rtcError(
    'API_LISTEN_INVALID',
    `api: invalid listen address ${JSON.stringify(listen)} (expected host:port)`,
  );
}

function listenTcp(
  server: Server,
  host: string | undefined,
  port: number,
  listen: string,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new Ts2rtcError('API_LISTEN_FAILED', `api: listen ${listen}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Ts2rtcError('API_LISTEN_FAILED', `api: listen ${listen}: no TCP address`));
        return;
      }
      resolve({ host: address.address, port: address.port });
    });
  });
}

function listenUnix(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new Ts2rtcError('API_LISTEN_FAILED', `api: unix listen ${path}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ path }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** go2rtc unlinks the path before listening; we do so only for a socket, never for a file put there by mistake. */
async function removeStaleSocket(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isSocket()) await rm(path, { force: true });
}

async function readPem(value: string, key: string): Promise<string> {
  if (value.includes('\n')) return value;
  try {
    return await readFile(value, 'utf8');
  } catch (err) {
    throw new Ts2rtcError('API_TLS_INVALID', `api: ${key}: ${errorMessage(err)}`, { cause: err });
  }
}
