import type { Socket } from 'node:net';
import { Candidate, TcpPassiveProtocol, type RTCPeerConnection } from 'werift';

/**
 * The few werift 0.24.4 internals the shared ICE-TCP port needs, in one place (werift-notes.md 1). They are
 * reached with runtime checks, so a werift that changed them fails loudly here instead of misbehaving.
 */

export class WeriftInternalsError extends Error {
  readonly code = 'WEBRTC_WERIFT_INTERNALS';
}

/**
 * A passive ICE-TCP "protocol" of one peer connection that never listens itself: the shared port's
 * demultiplexer hands it the connections whose first STUN request names this peer's ufrag.
 */
export class MuxedTcpProtocol extends TcpPassiveProtocol {
  readonly onClosed: Array<() => void> = [];
  private readonly sockets_: Set<Socket> = new Set();

  constructor(private readonly port: number) {
    super();
  }

  override async connectionMade(): Promise<void> {
    // Nothing to open: the shared listener owns the port.
  }

  override get listeningPort(): number {
    return this.port;
  }

  /** Takes over an accepted socket; `buffered` are the bytes already read from it (re-fed in order). */
  adopt(socket: Socket, buffered: Buffer): void {
    const remote = socket.remoteAddress;
    const port = socket.remotePort;
    if (!remote || !port) {
      socket.destroy();
      return;
    }
    this.sockets_.add(socket);
    socket.once('close', () => this.sockets_.delete(socket));
    this.registerSocket(socket, [remote, port]);
    if (buffered.length > 0) socket.emit('data', buffered);
  }

  /** Bytes waiting in our sockets' write buffers: how far a TCP peer is behind. */
  get writableLength(): number {
    let total = 0;
    for (const socket of this.sockets_) total += socket.writableLength;
    return total;
  }

  override async close(): Promise<void> {
    for (const handler of this.onClosed.splice(0)) handler();
    for (const socket of this.sockets_) socket.destroy();
    this.sockets_.clear();
    await super.close();
  }
}

interface ConnectionInternals {
  readonly protocols: unknown[];
  ensureProtocol(protocol: unknown): void;
  readonly localUsername: string;
  readonly generation: number;
}

function connectionOf(pc: RTCPeerConnection): ConnectionInternals {
  const transport = pc.iceTransports[0];
  if (!transport) throw new WeriftInternalsError('peer connection has no ICE transport yet');
  const connection: object = transport.connection;
  const protocols: unknown = Reflect.get(connection, 'protocols');
  const ensureProtocol: unknown = Reflect.get(connection, 'ensureProtocol');
  const localUsername: unknown = Reflect.get(connection, 'localUsername');
  const generation: unknown = Reflect.get(connection, 'generation');
  if (!Array.isArray(protocols) || typeof ensureProtocol !== 'function' || typeof localUsername !== 'string') {
    throw new WeriftInternalsError('werift ICE connection internals changed (protocols/ensureProtocol/localUsername)');
  }
  return {
    protocols,
    ensureProtocol: (protocol) => Reflect.apply(ensureProtocol, connection, [protocol]),
    localUsername,
    generation: typeof generation === 'number' ? generation : 0,
  };
}

/** The ICE ufrag werift uses for this peer connection (bundled: one transport). */
export function localUfrag(pc: RTCPeerConnection): string {
  return connectionOf(pc).localUsername;
}

/**
 * Adds a muxed passive TCP protocol to the peer connection's ICE agent, before gathering: werift then
 * advertises its candidate like its own and pairs incoming checks with it. `priority`, `host` and `port`
 * are what the candidate says.
 */
export function attachTcpProtocol(pc: RTCPeerConnection, protocol: MuxedTcpProtocol, host: string, priority: number): void {
  const connection = connectionOf(pc);
  protocol.localCandidate = new Candidate(
    `tcp${host.replace(/[^0-9a-f]/gi, '')}`.slice(0, 32),
    1,
    'tcp',
    priority,
    host,
    protocol.listeningPort,
    'host',
    undefined,
    undefined,
    'passive',
    connection.generation,
    connection.localUsername,
  );
  connection.ensureProtocol(protocol);
  connection.protocols.push(protocol);
}

/**
 * werift's ICE agent falls back to stun.l.google.com when no STUN server is configured (ice.js, 0.24.4), so
 * `ice_servers: []` would still send every peer's address to Google and wait for the answer. Clear it.
 */
export function disableDefaultStun(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    const connection: object = transport.connection;
    if (!Reflect.has(connection, 'stunServer')) throw new WeriftInternalsError('werift ICE connection has no stunServer field');
    Reflect.set(connection, 'stunServer', undefined);
  }
}
