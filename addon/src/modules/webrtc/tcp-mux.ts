import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Ts2rtcError, errorMessage } from '../../core/errors.js';
import { bindingRequestUsername } from '../../pkg/webrtc/stun.js';
import { readFirstFrame } from '../../pkg/webrtc/tcp-frame.js';
import type { MuxedTcpProtocol } from './werift-shim.js';

export interface TcpMuxOptions {
  /** A connection that has not sent its first STUN request by then is closed. Defaults to 10 s. */
  firstFrameTimeoutMs?: number;
  /** Connections waiting for their first frame at once; more are refused. Defaults to 256. */
  maxPending?: number;
}

export interface TcpMuxStats {
  accepted: number;
  routed: number;
  /** No STUN request first, an unknown ufrag, a timeout, or too many pending. */
  rejected: number;
}

/** A STUN binding request with ICE attributes is ~100-200 bytes; nothing legitimate comes first that is larger. */
const MAX_FIRST_FRAME = 1500;

/**
 * The one TCP port (`webrtc.listen`, default :8555) every peer connection shares for ICE-TCP (RFC 6544).
 * werift would open a listener per peer connection; instead each peer registers its ICE ufrag here, and a new
 * connection is handed to the peer whose ufrag its first STUN binding request names (USERNAME is
 * `<our ufrag>:<their ufrag>`). Bytes read while deciding are handed over with the socket.
 */
export class TcpMux {
  readonly stats: TcpMuxStats = { accepted: 0, routed: 0, rejected: 0 };
  private server: Server | undefined;
  private readonly peers = new Map<string, MuxedTcpProtocol>();
  private readonly pending = new Set<Socket>();
  private boundPort = 0;
  private readonly firstFrameTimeoutMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly host: string | undefined,
    private readonly port: number,
    private readonly log: Logger,
    options: TcpMuxOptions = {},
  ) {
    this.firstFrameTimeoutMs = options.firstFrameTimeoutMs ?? 10_000;
    this.maxPending = options.maxPending ?? 256;
  }

  /** The bound port (the real one when configured as 0). */
  get listeningPort(): number {
    return this.boundPort;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  async start(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(
          new Ts2rtcError(
            'WEBRTC_LISTEN_FAILED',
            `webrtc: listen tcp ${this.host ?? ''}:${this.port}: ${err.message}`,
            { cause: err },
          ),
        ),
      );
      server.listen({ host: this.host, port: this.port }, () => resolve());
    });
    server.on('error', (err) => this.log.warn({ err: err.message }, 'tcp listener error'));
    const address = server.address();
    this.boundPort = typeof address === 'object' && address !== null ? address.port : this.port;
    this.server = server;
    return this.boundPort;
  }

  /** Routes connections naming `ufrag` to `protocol` until the returned function is called. */
  register(ufrag: string, protocol: MuxedTcpProtocol): () => void {
    if (this.peers.has(ufrag)) {
      // werift's ufrags are 4 random characters: a clash is rare but possible with many viewers. The newer
      // peer then gets no TCP path (UDP still works); say so rather than misroute the older one.
      this.log.warn({ ufrag }, 'ICE ufrag already registered on the TCP port; this peer gets no TCP candidate');
      return () => {};
    }
    this.peers.set(ufrag, protocol);
    return () => {
      if (this.peers.get(ufrag) === protocol) this.peers.delete(ufrag);
    };
  }

  has(ufrag: string): boolean {
    return this.peers.has(ufrag);
  }

  async stop(): Promise<void> {
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.stats.accepted++;
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'tcp peer socket error'));
    if (this.pending.size >= this.maxPending) {
      this.stats.rejected++;
      socket.destroy();
      return;
    }
    this.pending.add(socket);
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    const reject = (why: string): void => {
      this.stats.rejected++;
      this.log.debug({ remote: `${socket.remoteAddress}:${socket.remotePort}`, why }, 'tcp connection refused');
      cleanup();
      socket.destroy();
    };
    const timer = setTimeout(() => reject('no STUN request in time'), this.firstFrameTimeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      let first: { frame: Buffer } | undefined;
      try {
        first = readFirstFrame(buffered, MAX_FIRST_FRAME);
      } catch (err) {
        reject(errorMessage(err));
        return;
      }
      if (!first) return;
      let username: string | undefined;
      try {
        username = bindingRequestUsername(first.frame);
      } catch (err) {
        reject(errorMessage(err));
        return;
      }
      const ufrag = username?.split(':')[0];
      const peer = ufrag ? this.peers.get(ufrag) : undefined;
      if (!peer) {
        reject(username === undefined ? 'first frame is not a STUN binding request' : `unknown ufrag ${ufrag ?? ''}`);
        return;
      }
      cleanup();
      this.stats.routed++;
      peer.adopt(socket, buffered);
    };
    const onClose = (): void => cleanup();
    const cleanup = (): void => {
      clearTimeout(timer);
      this.pending.delete(socket);
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  }
}
