import { createSocket, type Socket as UdpSocket, type SocketType } from 'node:dgram';
import { isIP, isIPv6, type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Ts2rtcError } from '../../core/errors.js';
import { lookupNow } from '../../core/net.js';
import { UdpRoutes, type UdpRoutesOptions, type UdpRoutesStats } from './udp-routes.js';

export type UdpFamily = 4 | 6;

/**
 * One peer's view of a shared UDP socket, in the shape werift's `StunProtocol` uses its own `UdpTransport`
 * (`socketType`, `address`, `closed`, `onData`, `send`, `close`, and `socket`, which rtp-send.ts sends to
 * directly): the peer's host candidate is the shared port, and closing it only forgets this peer.
 */
export class MuxedUdpTransport {
  readonly type = 'udp';
  closed = false;
  /** Set by werift's StunProtocol: every datagram routed to this peer. */
  onData: (data: Buffer, addr: [string, number]) => void = () => {};

  constructor(
    readonly socket: UdpSocket,
    readonly socketType: SocketType,
    private readonly endpoint: UdpMuxEndpoint,
  ) {}

  get address(): AddressInfo {
    return this.socket.address();
  }

  get host(): string {
    return this.socket.address().address;
  }

  get port(): number {
    return this.socket.address().port;
  }

  // An arrow property, as werift's: StunProtocol and the TURN code call it detached.
  send = async (data: Buffer, addr: readonly [string, number]): Promise<void> => {
    if (this.closed) return;
    this.endpoint.noteSent(data);
    const [host, port] = addr;
    if (isIP(host) === 0) {
      // A name (a STUN server's): dgram resolves it; its failure comes through the callback, as werift's.
      await new Promise<void>((resolve, reject) =>
        this.socket.send(data, port, host, (err) => (err ? reject(err) : resolve())),
      );
      return;
    }
    // Without a callback, as werift's (no event-loop turn per packet); errors go to the socket's 'error'.
    this.socket.send(data, port, host);
  };

  close = async (): Promise<void> => {
    this.closed = true;
    this.endpoint.close();
  };
}

/** A registered peer: its transports (one per family with a shared socket) and its routes. */
export class UdpMuxEndpoint {
  private readonly transports = new Map<UdpFamily, MuxedUdpTransport>();
  private readonly claimed = new Set<UdpFamily>();
  private closed = false;

  constructor(
    private readonly mux: UdpMux,
    private readonly sockets: ReadonlyMap<UdpFamily, UdpSocket>,
  ) {}

  /**
   * The transport for werift's host protocol of `family`, once: a second protocol of the same family (werift
   * gathers one per host address; attachUdpMux leaves one) gets undefined and opens its own socket.
   */
  claim(family: UdpFamily): MuxedUdpTransport | undefined {
    const socket = this.sockets.get(family);
    if (!socket || this.closed || this.claimed.has(family)) return undefined;
    this.claimed.add(family);
    const transport = new MuxedUdpTransport(socket, family === 4 ? 'udp4' : 'udp6', this);
    this.transports.set(family, transport);
    return transport;
  }

  /** The families this peer can use the shared port on. */
  has(family: UdpFamily): boolean {
    return this.sockets.has(family) && !this.closed;
  }

  deliver(family: UdpFamily, data: Buffer, addr: [string, number]): void {
    this.transports.get(family)?.onData(data, addr);
  }

  noteSent(data: Buffer): void {
    this.mux.noteSent(data, this);
  }

  /** Forgets this peer (its ufrag, addresses and transactions); its transports send nothing more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const transport of this.transports.values()) transport.closed = true;
    this.mux.release(this);
  }
}

export interface UdpMuxStats extends UdpRoutesStats {
  /** Datagrams the socket handler threw on (never expected; counted, not rethrown). */
  errors: number;
}

/**
 * The one UDP port (`webrtc.listen`, default :8555, as go2rtc 1.9) every peer's ICE host candidate uses: a
 * dgram socket per address family, bound at start. Each peer registers its ICE ufrag; datagrams go to the
 * peer their route says (udp-routes.ts) and nowhere else, so users behind a port mapping forward one UDP
 * port, not a range.
 */
export class UdpMux {
  private readonly routes: UdpRoutes<UdpMuxEndpoint>;
  private readonly sockets = new Map<UdpFamily, UdpSocket>();
  private readonly errorCount = { errors: 0 };
  private readonly endpoints = new Set<UdpMuxEndpoint>();

  constructor(
    private readonly host: string | undefined,
    private readonly port: number,
    private readonly families: readonly UdpFamily[],
    private readonly log: Logger,
    options: UdpRoutesOptions = {},
  ) {
    this.routes = new UdpRoutes(options);
  }

  get stats(): UdpMuxStats {
    return { ...this.routes.stats, errors: this.errorCount.errors };
  }

  /** Table sizes (peers, remote addresses, pending transactions): all back to 0 when every peer left. */
  get sizes(): { peers: number; addresses: number; transactions: number } {
    return this.routes.sizes;
  }

  /** The bound port of `family`, or 0 when that family has no shared socket. */
  listeningPort(family: UdpFamily = 4): number {
    const socket = this.sockets.get(family);
    return socket ? socket.address().port : 0;
  }

  /** The one address the sockets are bound to (`listen: "192.168.1.5:8555"`); undefined: every address. */
  get boundHost(): string | undefined {
    return this.host;
  }

  get boundFamilies(): UdpFamily[] {
    return [...this.sockets.keys()];
  }

  /**
   * Binds a socket per family (a configured host: that host's family only). The IPv6 socket takes the port the
   * IPv4 one got (`:0` in tests). Throws WEBRTC_LISTEN_FAILED when no family could be bound; one family failing
   * is returned for the caller to log, and its peers use werift's own sockets.
   */
  async start(): Promise<{ failed: Array<{ family: UdpFamily; error: Ts2rtcError }> }> {
    const families: UdpFamily[] = this.host !== undefined ? [isIPv6(this.host) ? 6 : 4] : [...this.families];
    const failed: Array<{ family: UdpFamily; error: Ts2rtcError }> = [];
    let port = this.port;
    for (const family of families) {
      try {
        const socket = await this.bind(family, port);
        port = socket.address().port;
        this.sockets.set(family, socket);
      } catch (err) {
        failed.push({ family, error: err as Ts2rtcError });
      }
    }
    if (this.sockets.size === 0) {
      const first = failed[0]?.error;
      throw first ?? new Ts2rtcError('WEBRTC_LISTEN_FAILED', 'webrtc: listen udp: no address family enabled');
    }
    return { failed };
  }

  /** Registers a peer by its ICE ufrag; undefined when the ufrag is taken or no socket is bound. */
  register(ufrag: string): UdpMuxEndpoint | undefined {
    if (this.sockets.size === 0) return undefined;
    const endpoint = new UdpMuxEndpoint(this, this.sockets);
    if (!this.routes.register(ufrag, endpoint)) {
      this.log.warn({ ufrag }, 'ICE ufrag already registered on the UDP port; this peer uses its own UDP socket');
      return undefined;
    }
    this.endpoints.add(endpoint);
    return endpoint;
  }

  get peerCount(): number {
    return this.routes.peerCount;
  }

  /** Closes the sockets; peers still registered send nothing more (their transports are closed first). */
  async stop(): Promise<void> {
    for (const endpoint of [...this.endpoints]) endpoint.close();
    const sockets = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }

  /** @internal the endpoint's send path */
  noteSent(data: Buffer, endpoint: UdpMuxEndpoint): void {
    this.routes.sent(data, endpoint, Date.now());
  }

  /** @internal the endpoint's close */
  release(endpoint: UdpMuxEndpoint): void {
    this.endpoints.delete(endpoint);
    this.routes.unregister(endpoint);
  }

  private async bind(family: UdpFamily, port: number): Promise<UdpSocket> {
    const socket = createSocket({
      type: family === 4 ? 'udp4' : 'udp6',
      lookup: lookupNow,
      ...(family === 6 ? { ipv6Only: true } : {}),
    });
    const address = this.host ?? (family === 4 ? '0.0.0.0' : '::');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => {
        socket.close();
        reject(
          new Ts2rtcError(
            'WEBRTC_LISTEN_FAILED',
            `webrtc: listen udp ${family === 6 ? `[${address}]` : address}:${port}: ${err.message}`,
            { cause: err },
          ),
        );
      });
      socket.bind({ port, address, exclusive: true }, () => resolve());
    });
    socket.removeAllListeners('error');
    // A send to an unreachable peer surfaces here (ICMP); it must not end the process or the other peers.
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'udp socket error'));
    socket.on('message', (data, info) => this.receive(family, data, info.address, info.port));
    return socket;
  }

  private receive(family: UdpFamily, data: Buffer, address: string, port: number): void {
    try {
      // werift's UdpTransport strips a zone (fe80::1%eth0) before it keys addresses: the same here.
      const host = family === 6 ? (address.split('%')[0] ?? address) : address;
      const endpoint = this.routes.route(data, `${host} ${port}`, Date.now());
      endpoint?.deliver(family, data, [host, port]);
    } catch (err) {
      // werift's own handler catches too; whatever one peer's code throws stays with that datagram.
      this.errorCount.errors++;
      this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'udp datagram handler failed');
    }
  }
}
