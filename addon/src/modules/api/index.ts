import type { App, Module } from '../../app.js';
import { Event } from '../../core/event.js';
import type { ApiConfig } from '../../config/schema.js';
import { applyStreams } from './config-apply.js';
import { checkConfig } from './config-check.js';
import { configPersistence } from './persistence.js';
import { registerConfigRoutes } from './routes-config.js';
import { registerInfoRoutes, type InfoValue } from './routes-info.js';
import { PreloadRegistry, registerPreloadRoutes } from './routes-preload.js';
import { registerNetworkRoutes } from './routes-network.js';
import { registerProcessRoutes, type MemoryLog } from './routes-process.js';
import { registerRtspToWebRoutes, type RtspToWebRtcHandler } from './routes-rtsptoweb.js';
import { registerStreamRoutes } from './routes-streams.js';
import type { ApiHandler, ApiMethod } from './routes.js';
import { ApiServer, type ApiAddresses, type ApiSettings } from './server.js';
import { BUILTIN_WWW_DIR } from './static.js';
import { DEFAULT_WS_OPTIONS, type WsHandler, type WsOptions } from './ws.js';

export { ApiError, type ApiErrorCode, maskSecrets } from './errors.js';
export { ProbeConsumer, parseMediaQuery } from './probe.js';
export * from './request.js';
export type { ApiAddresses } from './server.js';
export type { ApiHandler, ApiMethod } from './routes.js';
export type { InfoValue } from './routes-info.js';
export type { MemoryLog } from './routes-process.js';
export type { RtspToWebRtcHandler } from './routes-rtsptoweb.js';
export type { WsHandler, WsOptions } from './ws.js';
export { WsConnection, WsSlot, type WsMessage } from './ws-connection.js';

/** What the host process supplies; everything has a default suited to the real server. */
export interface ApiHooks {
  /** `POST /api/exit`. Defaults to `process.exit(code)`; main passes a graceful shutdown. */
  exit?: (code: number) => void;
  /** `POST /api/restart`. Without it the endpoint answers 501 (Node cannot exec() in place). */
  restart?: () => void;
  /** The ring `/api/log` shows; without it the log is empty. */
  log?: MemoryLog;
  /** `revision` in `GET /api` (go2rtc: the 7-character git commit). Defaults to "". */
  revision?: string;
  /** The built-in UI folder. Defaults to the package's `www/`. */
  wwwDir?: string;
  /** WebSocket limits (message size, write deadline, buffering); tests shorten them. */
  ws?: Partial<WsOptions>;
}

/** What other modules get from the API module. */
export interface ApiModule {
  /**
   * Registers an HTTP handler. `pattern` follows go2rtc's `api.HandleFunc`: `api/frame.jpeg` is mounted under
   * base_path, `/absolute` is not, a trailing `/` matches the subtree. `'*'` accepts every method. Returns
   * false when `api.allow_paths` excludes the path (the handler is then never called).
   */
  addRoute(methods: ApiMethod | readonly ApiMethod[] | '*', pattern: string, handler: ApiHandler): boolean;
  /** `/api/ws` message handlers, by message type. */
  readonly ws: { handle(type: string, handler: WsHandler): void };
  /** The HTTP status for a module's own error code (default for unknown codes: 500). */
  registerErrorStatus(code: string, status: number): void;
  /** Adds a key to `GET /api` (e.g. `rtsp: {listen, default_query}`). `version` and `host` are reserved. */
  setInfo(key: string, value: InfoValue): void;
  /** The WebRTC module's handler for `POST /stream/{name}/channel/0/webrtc` (the RTSPtoWebRTC exchange). */
  setRtspToWebRtcHandler(handler: RtspToWebRtcHandler): void;
  /** Stream preloads (`/api/preload`); main starts the config's `preload:` entries through it. */
  readonly preloads: PreloadRegistry;
  /** `""` or `/prefix`. */
  readonly basePath: string;
  /** The bound TCP port once started (the real one for `:0`); undefined without a TCP listener. */
  readonly port: number | undefined;
  /**
   * Opens the listeners and logs `listen addr=...` for each; throws `API_LISTEN_*` on failure. The server
   * calls it after every module's `onStart`, since Home Assistant takes the API's listen line as "started".
   */
  start(): Promise<ApiAddresses>;
  /** Fires once the listeners are open, with their addresses. */
  readonly onListen: Event<[ApiAddresses]>;
  /** Closes listeners, connections and WebSockets, and drops the preloads. */
  stop(): Promise<void>;
}

/**
 * Builds the API server from `app.config.api` and registers the core endpoints. The first module: every other
 * one adds its routes and WebSocket handlers to it. Nothing listens until `start()`.
 */
export function init(app: App): ApiModule {
  const hooks: ApiHooks = app.tuning.api ?? {};
  const log = app.logger('api');
  const settings = apiSettings(app.config.api);
  const server = new ApiServer(
    { ...settings, ws: { ...settings.ws, ...hooks.ws } },
    hooks.wwwDir ?? BUILTIN_WWW_DIR,
    log,
  );
  const routes = server.routes;
  const persistence = app.configPath ? configPersistence(app.configPath) : undefined;

  const info = new Map<string, InfoValue>([['revision', hooks.revision ?? '']]);
  if (app.configPath) info.set('config_path', app.configPath);
  registerInfoRoutes(routes, app, info);
  registerStreamRoutes(routes, app.streams, persistence, { auth: settings.auth });
  const preloads = new PreloadRegistry(app.streams);
  registerPreloadRoutes(routes, preloads, persistence);
  registerConfigRoutes(routes, persistence, {
    check: (text) => checkConfig(text, app.streams.schemes()),
    apply: (before, after) => applyStreams(app.streams, before, after),
    auth: settings.auth,
  });
  registerProcessRoutes(routes, {
    exit: hooks.exit ?? ((code) => process.exit(code)),
    restart: hooks.restart,
    log: hooks.log,
  });
  const rtspToWeb = registerRtspToWebRoutes(routes, app.streams);

  let addresses: ApiAddresses = {};
  const onListen = new Event<[ApiAddresses]>();
  registerNetworkRoutes(routes, app.config, () => addresses);
  const exposed: ApiModule = {
    addRoute: (methods, pattern, handler) => routes.add(methods, pattern, handler),
    ws: { handle: (type, handler) => server.ws.handle(type, handler) },
    registerErrorStatus: (code, status) => server.errors.register(code, status),
    setInfo(key, value) {
      if (key === 'version' || key === 'host') throw new Error(`api: info key ${key} is reserved`);
      info.set(key, value);
    },
    setRtspToWebRtcHandler: (handler) => rtspToWeb.setWebrtcHandler(handler),
    preloads,
    basePath: server.settings.basePath,
    get port() {
      return addresses.http?.port;
    },
    onListen,
    async start() {
      addresses = await server.start();
      onListen.emit(addresses);
      return addresses;
    },
    async stop() {
      preloads.stop();
      await server.stop();
      addresses = {};
    },
  };
  return exposed;
}

export const api: Module<'api'> = { name: 'api', init };

/** go2rtc's defaults and its reading of each key; the schema has already checked the types. */
export function apiSettings(config: ApiConfig): ApiSettings {
  return {
    listen: config.listen,
    unixListen: config.unix_listen,
    tlsListen: config.tls_listen,
    tlsCert: config.tls_cert,
    tlsKey: config.tls_key,
    basePath: normalizeBasePath(config.base_path),
    staticDir: config.static_dir,
    origin: config.origin,
    // go2rtc turns auth on by the username alone; an empty password is then a valid (if weak) one.
    auth: config.username
      ? { username: config.username, password: config.password, localAuth: config.local_auth }
      : undefined,
    allowPaths: config.allow_paths ?? undefined,
    ws: DEFAULT_WS_OPTIONS,
  };
}

/** `go2rtc`, `/go2rtc/` and `/go2rtc` all mean `/go2rtc`; `/` means none. */
export function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
