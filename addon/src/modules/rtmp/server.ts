import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';
import { parseListenAddress, type ListenAddress } from '../../core/net.js';
import type { StreamHub } from '../streams/hub.js';
import { RtmpAuth } from './auth.js';
import { handshake, RtmpConnection } from './connection.js';
import { RtmpModuleError } from './errors.js';
import { RtmpServerSession } from './server-session.js';

export interface RtmpServerSettings {
  /** `rtmp.listen`: `:1935`, `127.0.0.1:1935`; `""` (the default) runs no server. */
  listen: string;
  /** `rtsp.username`/`password`: the same rules as the RTSP server. */
  username: string;
  password: string;
  /** Ask loopback clients for credentials too. Defaults to false, as go2rtc; only tests set it. */
  authLoopback?: boolean;
  /** A client that has not finished the handshake by then is dropped. Defaults to 10 s. */
  handshakeTimeoutMs?: number;
  /** A publisher that sends no sequence header by then is dropped. Defaults to 10 s. */
  probeTimeoutMs?: number;
  /** A publisher that sends nothing for this long is dropped. Defaults to 15 s (the RTSP server's). */
  publisherTimeoutMs?: number;
}

/** The RTMP server on `rtmp.listen`: accepts connections, shakes hands, gives each a session. */
export class RtmpServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly auth: RtmpAuth;
  port: number | undefined;

  constructor(
    private readonly settings: RtmpServerSettings,
    private readonly hub: StreamHub,
    private readonly log: Logger,
  ) {
    this.auth = new RtmpAuth(settings.username, settings.password, !settings.authLoopback);
  }

  /** Open connections (handshaking or in session), for tests that check nothing is left behind. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  async start(): Promise<void> {
    if (!this.settings.listen) return;
    const { host, port } = parseListen(this.settings.listen);
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new RtmpModuleError('RTMP_LISTEN', `rtmp: listen ${this.settings.listen}: ${err.message}`)),
      );
      server.listen({ host, port }, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err }, 'rtmp: server error'));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    this.server = server;
    this.log.info({ addr: this.settings.listen }, 'listen');
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // Errors before the handshake resolves are reported by it; this keeps a late one from being unhandled.
    socket.on('error', () => undefined);
    const remote = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    handshake(socket, 'server', this.settings.handshakeTimeoutMs ?? 10_000).then(
      (rest) => {
        const conn = new RtmpConnection(socket, this.log, rest);
        new RtmpServerSession(conn, {
          hub: this.hub,
          auth: this.auth,
          probeTimeoutMs: this.settings.probeTimeoutMs ?? 10_000,
          publisherTimeoutMs: this.settings.publisherTimeoutMs ?? 15_000,
          log: this.log,
        });
      },
      (err: unknown) => this.log.info({ remote, err: errorMessage(err) }, 'rtmp: handshake failed'),
    );
  }
}

/** `:1935`, `0.0.0.0:1935`, `[::1]:1935`. */
export function parseListen(listen: string): ListenAddress {
  const address = parseListenAddress(listen);
  if (!address) throw new RtmpModuleError('RTMP_LISTEN', `rtmp: invalid listen address ${JSON.stringify(listen)}`);
  return address;
}
