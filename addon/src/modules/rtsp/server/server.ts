import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { StreamHub } from '../../streams/hub.js';
import { RtspConnection } from '../../../pkg/rtsp/connection.js';
import { ServerAuth } from '../../../pkg/rtsp/server/auth.js';
import { ServerSession } from '../../../pkg/rtsp/server/session.js';
import { RtspModuleError } from '../errors.js';
import { HubSessionHandler } from './hub-handler.js';
import { PublishClaims } from './publish-claims.js';
import { parseListenAddress, type ListenAddress } from '../../../core/net.js';

export interface RtspServerSettings {
  /** `rtsp.listen`: `:8554`, `127.0.0.1:8554`; `""` runs no server. */
  listen: string;
  username: string;
  password: string;
  defaultQuery: string;
  packetSize?: number | undefined;
  /** Ask loopback clients for credentials too. Defaults to false, as go2rtc; only tests set it. */
  authLoopback?: boolean;
  /** A client's silence that ends its connection (`ServerSessionOptions`); tests shorten it. */
  sessionTimeoutS?: number;
  publisherTimeoutS?: number;
}

/** The RTSP server on `rtsp.listen`: accepts connections and gives each its session. */
export class RtspServer {
  private server: Server | undefined;
  private readonly connections = new Set<RtspConnection>();
  private readonly auth: ServerAuth;
  port: number | undefined;

  constructor(
    private readonly settings: RtspServerSettings,
    private readonly hub: StreamHub,
    private readonly log: Logger,
    /** Where exec:/ffmpeg: sources claim the paths their processes publish to. */
    readonly publishClaims = new PublishClaims(),
  ) {
    this.auth = new ServerAuth(settings.username, settings.password, !settings.authLoopback);
  }

  async start(): Promise<void> {
    if (!this.settings.listen) return;
    const { host, port } = parseListen(this.settings.listen);
    const server = createServer((socket) => this.accept(socket, host ?? ''));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new RtspModuleError('RTSP_TRANSPORT', `rtsp: listen ${this.settings.listen}: ${err.message}`)),
      );
      server.listen({ host, port }, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err }, 'rtsp: server error'));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    this.server = server;
    this.log.info({ addr: this.settings.listen }, 'listen');
  }

  async stop(): Promise<void> {
    for (const conn of this.connections) conn.close();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket, host: string): void {
    const conn = new RtspConnection(socket, this.log);
    this.connections.add(conn);
    conn.onClose.once(() => this.connections.delete(conn));
    const handler = new HubSessionHandler(conn, {
      hub: this.hub,
      claims: this.publishClaims,
      defaultQuery: this.settings.defaultQuery,
      packetSize: this.settings.packetSize,
      log: this.log,
    });
    new ServerSession(conn, handler, {
      auth: this.auth,
      udpHost: host,
      log: this.log,
      sessionTimeoutS: this.settings.sessionTimeoutS,
      publisherTimeoutS: this.settings.publisherTimeoutS,
    });
  }
}

/** `:8554`, `0.0.0.0:8554`, `[::1]:8554`. */
export function parseListen(listen: string): ListenAddress {
  const address = parseListenAddress(listen);
  if (!address) throw new RtspModuleError('RTSP_TRANSPORT', `rtsp: invalid listen address ${JSON.stringify(listen)}`);
  return address;
}
