import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { lazy } from '../../core/lazy.js';
import { errorMessage } from '../../core/errors.js';
import { maskSecrets } from './errors.js';
import { AUTH_CHALLENGE, checkAuth, type AuthOptions } from './middleware.js';
import { DEFAULT_WS_LIMITS, WsConnection, type WsLimits } from './ws-connection.js';

/**
 * Handles one message type. `value` is the message's `value` as parsed JSON (validate it). A rejection or
 * throw is sent back as `{"type":"error","value":"<type>: <message>"}`, which is what go2rtc's player and
 * Home Assistant's client key their fallbacks on.
 */
export type WsHandler = (value: unknown, connection: WsConnection) => Promise<void> | void;

export interface WsOptions extends WsLimits {
  /** Largest text frame accepted; bigger ones close the socket (1009). Defaults to 1 MiB. */
  maxMessageBytes: number;
}

export const DEFAULT_WS_OPTIONS: WsOptions = { ...DEFAULT_WS_LIMITS, maxMessageBytes: 1024 * 1024 };

/** The `/api/ws` endpoint: upgrade checks (auth, origin), message parsing and the handler registry. */
export class WsHub {
  private readonly handlers = new Map<string, WsHandler>();
  private readonly connections = new Set<WsConnection>();
  /** `ws` loads with the first upgrade: a server nobody opens the UI of does not hold it. */
  private readonly server: () => Promise<WebSocketServer>;

  constructor(
    private readonly options: WsOptions,
    private readonly origin: string,
    private readonly auth: AuthOptions | undefined,
    private readonly log: Logger,
  ) {
    // No permessage-deflate: media frames do not compress and the CPU is better spent elsewhere.
    this.server = lazy(async () => {
      const { WebSocketServer } = await import('ws');
      return new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, perMessageDeflate: false });
    });
  }

  /** Registers the handler of a message type (`webrtc/offer`, `mse`, ...). One handler per type. */
  handle(type: string, handler: WsHandler): void {
    if (this.handlers.has(type)) throw new Error(`api ws: handler for ${type} already registered`);
    this.handlers.set(type, handler);
  }

  get size(): number {
    return this.connections.size;
  }

  /** Takes over an upgrade request already routed to `/api/ws`. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!checkAuth(req, this.auth)) {
      rejectUpgrade(socket, 401, 'Unauthorized', { 'WWW-Authenticate': AUTH_CHALLENGE });
      return;
    }
    if (!checkOrigin(req, this.origin)) {
      this.log.debug({ host: req.headers.host, origin: req.headers.origin }, 'ws origin refused');
      rejectUpgrade(socket, 403, 'Forbidden');
      return;
    }
    this.server().then(
      (server) => {
        if (socket.destroyed) return;
        server.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, socket));
      },
      (err: unknown) => {
        this.log.error({ err: errorMessage(err) }, 'ws: cannot load the WebSocket server');
        rejectUpgrade(socket, 500, 'Internal Server Error');
      },
    );
  }

  /** Closes every client (server shutdown). */
  closeAll(): void {
    for (const connection of this.connections) connection.terminate();
  }

  private accept(ws: WebSocket, req: IncomingMessage, upgraded: Duplex): void {
    const connection = new WsConnection(ws, req, this.options, this.log, upgraded);
    this.connections.add(connection);
    connection.onClose.subscribe(() => this.connections.delete(connection));
    ws.on('error', (err) => this.log.debug({ err: err.message, connection: connection.id }, 'ws error'));
    ws.on('message', (data, isBinary) => this.dispatch(connection, data, isBinary));
    this.log.trace({ connection: connection.id, url: req.url }, 'ws open');
  }

  private dispatch(connection: WsConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      // go2rtc reads every frame as JSON; clients send media over WebRTC, never over this socket.
      connection.send({ type: 'error', value: 'ws: binary messages are not supported' });
      return;
    }
    const message = parseMessage(rawText(data));
    if (typeof message === 'string') {
      // go2rtc closes the socket on a bad frame; answering and staying open is kinder to a buggy client and
      // changes nothing for a correct one.
      connection.send({ type: 'error', value: `ws: ${message}` });
      return;
    }
    this.log.trace({ type: message.type, connection: connection.id }, 'ws msg');
    const handler = this.handlers.get(message.type);
    // go2rtc ignores types it has no handler for, so the player's optional messages (e.g. `webrtc/candidate`
    // after a failed offer) cause no error noise.
    if (!handler) return;
    const fail = (err: unknown): void => {
      if (connection.isClosed) return;
      connection.send({ type: 'error', value: maskSecrets(`${message.type}: ${errorMessage(err)}`) });
    };
    try {
      const result = handler(message.value, connection);
      if (result instanceof Promise) result.catch(fail);
    } catch (err) {
      fail(err);
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The message, or a description of what is wrong with it. */
function parseMessage(text: string): { type: string; value: unknown } | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    return 'invalid JSON message';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'message must be a JSON object';
  const type: unknown = Reflect.get(parsed, 'type');
  if (typeof type !== 'string' || type === '') return 'message has no type';
  return { type, value: Reflect.get(parsed, 'value') };
}

/**
 * go2rtc's origin rule (internal/api/ws): with `origin` unset a missing Origin passes, and otherwise the
 * Origin's host must equal Host, with or without its port (issue 118: proxies that drop the port).
 * `*` allows any origin; any other value is gorilla's default, a strict same-host check.
 */
export function checkOrigin(req: IncomingMessage, origin: string): boolean {
  if (origin === '*') return true;
  const header = req.headers.origin;
  if (header === undefined) return true;
  let host: string;
  try {
    host = new URL(header).host;
  } catch {
    return false;
  }
  const requestHost = req.headers.host ?? '';
  if (host.toLowerCase() === requestHost.toLowerCase()) return true;
  if (origin !== '') return false;
  const colon = host.lastIndexOf(':');
  return colon > 0 && !host.endsWith(']') && host.slice(0, colon).toLowerCase() === requestHost.toLowerCase();
}

export function rejectUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({
    error: reason,
    code: status === 401 ? 'UNAUTHORIZED' : status === 404 ? 'NOT_FOUND' : 'FORBIDDEN',
  });
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
