import { isIPv6, type Socket } from 'node:net';
import {
  Candidate,
  candidateFoundation,
  candidatePriority as weriftPriority,
  classes,
  Message,
  methods,
  StunProtocol,
  TcpPassiveProtocol,
  TurnProtocol,
  type RTCPeerConnection,
} from 'werift';

/**
 * The few werift 0.24.4 internals the shared ICE-TCP port needs, in one place (werift has no public API for
 * a passive TCP candidate or an external socket). They are reached with runtime checks, so a werift that changed them fails loudly here instead of misbehaving.
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
    ensureProtocol: (protocol) => {
      Reflect.apply(ensureProtocol, connection, [protocol]);
    },
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
export function attachTcpProtocol(
  pc: RTCPeerConnection,
  protocol: MuxedTcpProtocol,
  host: string,
  priority: number,
): void {
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

/** What attachUdpMux needs of a peer's registration on the shared UDP port (udp-mux.ts UdpMuxEndpoint). */
export interface UdpMuxClaim {
  has(family: 4 | 6): boolean;
  /** The transport for the host protocol of `family`, once; undefined: werift opens its own socket. */
  claim(family: 4 | 6): object | undefined;
}

/**
 * Puts this peer's UDP host candidate on the shared UDP port (udp-mux.ts), before gathering. werift gathers a
 * `StunProtocol` per host address, each opening its own socket (`UdpTransport.init` in its instance property
 * `connectionMade`). Here, per family the shared port covers, werift gathers one address only (`anchors`, else
 * the first werift lists): the shared socket is bound to every address, so one protocol receives whatever the
 * peer sends to any of them, and the other addresses are advertised by the caller as candidates of the same
 * port. That protocol's `connectionMade` takes the muxed transport instead of opening a socket; werift then
 * builds its host candidate from the transport's port, pairs and answers checks as with its own socket.
 * Per peer connection (instance properties only, no prototype changes).
 */
export function attachUdpMux(pc: RTCPeerConnection, claim: UdpMuxClaim, anchors: Partial<Record<4 | 6, string>>): void {
  const transport = pc.iceTransports[0];
  if (!transport) throw new WeriftInternalsError('peer connection has no ICE transport yet');
  const connection: object = transport.connection;
  const getCandidatePromises = method(connection, 'getCandidatePromises');
  const ensureProtocol = method(connection, 'ensureProtocol');
  Reflect.set(connection, 'getCandidatePromises', (addresses: unknown, timeout: unknown): unknown => {
    if (!Array.isArray(addresses) || addresses.length === 0)
      return Reflect.apply(getCandidatePromises, connection, [addresses, timeout]);
    const kept: string[] = [];
    const anchored = new Set<4 | 6>();
    for (const address of addresses as unknown[]) {
      if (typeof address !== 'string') continue;
      const family = isIPv6(address) ? 6 : 4;
      if (!claim.has(family)) {
        kept.push(address);
        continue;
      }
      if (anchored.has(family)) continue;
      anchored.add(family);
      kept.push(anchors[family] ?? address);
    }
    return Reflect.apply(getCandidatePromises, connection, [kept, timeout]);
  });
  Reflect.set(connection, 'ensureProtocol', (protocol: unknown): unknown => {
    if (protocol instanceof StunProtocol) useMuxedTransport(protocol, claim);
    return Reflect.apply(ensureProtocol, connection, [protocol]);
  });
}

function useMuxedTransport(protocol: StunProtocol, claim: UdpMuxClaim): void {
  const own: unknown = Reflect.get(protocol, 'connectionMade');
  const received: unknown = Reflect.get(protocol, 'datagramReceived');
  if (
    !Object.prototype.hasOwnProperty.call(protocol, 'connectionMade') ||
    typeof own !== 'function' ||
    typeof received !== 'function'
  ) {
    throw new WeriftInternalsError('werift StunProtocol has no own connectionMade or no datagramReceived');
  }
  Reflect.set(protocol, 'connectionMade', async (useIpv4: unknown, ...rest: unknown[]): Promise<void> => {
    const muxed = claim.claim(useIpv4 === true ? 4 : 6);
    if (!muxed) {
      await (Reflect.apply(own, protocol, [useIpv4, ...rest]) as Promise<void>);
      return;
    }
    Reflect.set(muxed, 'onData', (data: Buffer, addr: [string, number]): void => {
      Reflect.apply(received, protocol, [data, addr]);
    });
    Reflect.set(protocol, 'transport', muxed);
  });
}

/**
 * werift's ICE agent falls back to stun.l.google.com when no STUN server is configured (ice.js, 0.24.4), so
 * `ice_servers: []` would still send every peer's address to Google and wait for the answer. Clear it.
 */
export function disableDefaultStun(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    const connection: object = transport.connection;
    if (!Reflect.has(connection, 'stunServer'))
      throw new WeriftInternalsError('werift ICE connection has no stunServer field');
    Reflect.set(connection, 'stunServer', undefined);
  }
}

/** What host-first gathering needs besides the peer connection. */
export interface LateGatheringOptions {
  /** Asked for a server-reflexive address from every UDP host socket (werift asks only the first server). */
  readonly stunServers: ReadonlyArray<{ host: string; port: number }>;
  /** Name lookup with a bound (addresses.ts BoundedLookup); undefined = no address. */
  lookup(host: string, family: 4 | 6): Promise<string | undefined>;
  /** Aborted when the peer goes: STUN transactions end, late TURN sockets are closed. */
  readonly signal: AbortSignal;
  /** Per STUN request: the first wait, doubled at each of `retransmissions`. */
  readonly stunResponseTimeoutMs?: number;
  readonly stunRetransmissions?: number;
}

type Method = (...args: unknown[]) => unknown;

function method(target: object, name: string): Method {
  const value: unknown = Reflect.get(target, name);
  if (typeof value !== 'function') throw new WeriftInternalsError(`werift ICE connection has no ${name}()`);
  return value as Method;
}

/**
 * Host candidates first, the rest trickled (issue: 7 s to the first frame with an unreachable STUN server).
 * werift's setLocalDescription awaits every candidate before it starts ICE: STUN answers (5 s timeout, and an
 * unbounded DNS lookup of the server's name) and the TURN allocation. This replaces the gathering of this
 * peer's ICE connection with: werift's own gathering without STUN and TURN (local sockets only, a few ms), so
 * ICE checks and DTLS start at once; then, in the background, a binding request to every STUN server from
 * every UDP host socket (each mapped address becomes a `srflx` candidate through werift's own candidate event,
 * so it is trickled like the others) and werift's TURN allocation, paired with the remote candidates when it
 * arrives. The promise settles when the background part is over (or aborted).
 */
export function gatherHostFirst(pc: RTCPeerConnection, options: LateGatheringOptions): Promise<void> {
  const transport = pc.iceTransports[0];
  if (!transport) throw new WeriftInternalsError('peer connection has no ICE transport yet');
  const connection: object = transport.connection;
  const gather = method(connection, 'gatherCandidates');
  method(connection, 'getCandidatePromises');
  method(connection, 'appendLocalCandidate');
  method(connection, 'pairLocalProtocol');
  if (
    !Reflect.has(connection, 'turnServer') ||
    !Reflect.has(connection, 'stunServer') ||
    !Reflect.has(connection, 'localCandidatesStart')
  ) {
    throw new WeriftInternalsError('werift ICE connection has no stunServer/turnServer/localCandidatesStart field');
  }
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  options.signal.addEventListener('abort', () => finish(), { once: true });
  Reflect.set(connection, 'gatherCandidates', async (): Promise<void> => {
    const turn: unknown = Reflect.get(connection, 'turnServer');
    Reflect.set(connection, 'stunServer', undefined);
    Reflect.set(connection, 'turnServer', undefined);
    try {
      await Reflect.apply(gather, connection, []);
    } finally {
      Reflect.set(connection, 'turnServer', turn);
    }
    void lateCandidates(connection, turn !== undefined, options).finally(finish);
  });
  return done;
}

function isClosed(connection: object): boolean {
  return Reflect.get(connection, 'state') === 'closed';
}

function currentProtocols(connection: object): unknown[] {
  const protocols: unknown = Reflect.get(connection, 'protocols');
  return Array.isArray(protocols) ? [...(protocols as unknown[])] : [];
}

async function lateCandidates(connection: object, withTurn: boolean, options: LateGatheringOptions): Promise<void> {
  const tasks: Array<Promise<void>> = [];
  const announced = new Set<string>();
  for (const protocol of currentProtocols(connection)) {
    if (!(protocol instanceof StunProtocol) || !protocol.localCandidate) continue;
    for (const server of options.stunServers)
      tasks.push(reflexiveCandidate(connection, protocol, server, announced, options));
  }
  if (withTurn) tasks.push(relayCandidate(connection, options));
  await Promise.allSettled(tasks);
}

async function reflexiveCandidate(
  connection: object,
  protocol: StunProtocol,
  server: { host: string; port: number },
  announced: Set<string>,
  options: LateGatheringOptions,
): Promise<void> {
  const local = protocol.localCandidate;
  if (!local) return;
  const family = isIPv6(local.host) ? 6 : 4;
  const ip = await options.lookup(server.host, family);
  if (!ip || options.signal.aborted || isClosed(connection)) return;
  let mapped: unknown;
  try {
    const [response] = await protocol.request(
      new Message(methods.BINDING, classes.REQUEST),
      [ip, server.port],
      undefined,
      {
        retransmissions: options.stunRetransmissions ?? 2,
        responseTimeout: options.stunResponseTimeoutMs ?? 300,
        signal: options.signal,
      },
    );
    mapped = response.getAttributeValue('XOR-MAPPED-ADDRESS');
  } catch {
    return; // no answer: nothing to announce (the host candidates already work on a LAN)
  }
  if (!Array.isArray(mapped) || typeof mapped[0] !== 'string' || typeof mapped[1] !== 'number') return;
  const [host, port] = mapped as [string, number];
  const key = `${host} ${port}`;
  if (
    announced.has(key) ||
    (host === local.host && port === local.port) ||
    options.signal.aborted ||
    isClosed(connection)
  )
    return;
  announced.add(key);
  const candidate = new Candidate(
    candidateFoundation('srflx', 'udp', local.host),
    local.component,
    'udp',
    weriftPriority('srflx', { transport: 'udp' }),
    host,
    port,
    'srflx',
    local.host,
    local.port,
    undefined,
    Number(Reflect.get(connection, 'generation') ?? 0),
    String(Reflect.get(connection, 'localUsername') ?? ''),
  );
  Reflect.apply(method(connection, 'appendLocalCandidate'), connection, [candidate]);
}

/** werift's own TURN allocation (its host and STUN parts are done), paired with the remote candidates it knows. */
async function relayCandidate(connection: object, options: LateGatheringOptions): Promise<void> {
  const before = new Set(currentProtocols(connection));
  const saved: unknown = Reflect.get(connection, 'stunServer');
  Reflect.set(connection, 'stunServer', undefined);
  let promises: unknown;
  try {
    // No addresses: no new host sockets and no STUN queries, only the TURN allocation.
    promises = Reflect.apply(method(connection, 'getCandidatePromises'), connection, [[], 5]);
  } finally {
    Reflect.set(connection, 'stunServer', saved);
  }
  if (Array.isArray(promises)) await Promise.allSettled(promises as unknown[]);
  for (const protocol of currentProtocols(connection)) {
    if (before.has(protocol)) continue;
    if (options.signal.aborted || isClosed(connection)) {
      // The peer went while TURN was allocating: werift's close() did not know this socket.
      const close: unknown = Reflect.get(protocol as object, 'close');
      if (typeof close === 'function') await Promise.resolve(Reflect.apply(close, protocol, [])).catch(() => undefined);
      continue;
    }
    Reflect.apply(method(connection, 'pairLocalProtocol'), connection, [protocol]);
  }
}

/**
 * One ICE consent check (RFC 7675) on the selected pair, ours rather than werift's: werift checks every
 * 4-6 s and gives up after 30 s; the caller checks more often and decides sooner. Resolves true when the
 * peer answered within `timeoutMs`, false when it did not or there is no selected pair.
 */
export async function checkConsent(pc: RTCPeerConnection, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const connection = pc.iceTransports[0]?.connection;
  const pair = connection?.nominated;
  if (!connection || !pair || connection.state === 'closed') return false;
  const request: unknown = Reflect.apply(method(connection, 'buildRequest'), connection, [
    {
      nominate: false,
      localUsername: connection.localUsername,
      remoteUsername: connection.remoteUsername,
      iceControlling: connection.iceControlling,
      localCandidate: pair.localCandidate,
    },
  ]);
  if (!(request instanceof Message))
    throw new WeriftInternalsError('werift buildRequest() did not return a STUN message');
  try {
    await pair.protocol.request(request, pair.remoteAddr, Buffer.from(connection.remotePassword, 'utf8'), {
      retransmissions: 0,
      responseTimeout: timeoutMs,
      signal,
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Calls `onRtcp` with every SRTCP packet the peer sends, decrypted, before werift parses it (werift's parser
 * drops BYE). Wraps the DTLS transport's SRTCP session, which exists once DTLS is connected.
 */
export function tapDecryptedRtcp(pc: RTCPeerConnection, onRtcp: (rtcp: Buffer) => void): void {
  const dtls = pc.dtlsTransports[0];
  const session: unknown = dtls ? Reflect.get(dtls, 'srtcp') : undefined;
  const decrypt: unknown =
    typeof session === 'object' && session !== null ? Reflect.get(session, 'decrypt') : undefined;
  if (typeof session !== 'object' || session === null || typeof decrypt !== 'function')
    throw new WeriftInternalsError('werift DTLS transport has no srtcp.decrypt');
  Reflect.set(session, 'decrypt', (data: Buffer): Buffer => {
    const plain: unknown = Reflect.apply(decrypt, session, [data]);
    if (Buffer.isBuffer(plain)) onRtcp(plain);
    return plain as Buffer;
  });
}

const TURN_FIX = Symbol.for('ts2rtc.turnRefreshFix');

/**
 * werift's TURN client refreshes its allocation in a loop that sleeps with an uncancellable timer (5/6 of the
 * lifetime, ~8 min with coturn's default); `close()` does not end that sleep, so every peer that used a TURN
 * server kept a timer (and the process) alive for minutes after it left. This replaces the loop, per TURN
 * client, with one whose timer `close()` clears (werift's close calls `refreshHandle.resolve()`). Patched once,
 * on the class werift builds its TURN clients from; throws WeriftInternalsError when those internals changed.
 */
export function installTurnRefreshFix(): void {
  const proto: object = TurnProtocol.prototype;
  if (Reflect.get(proto, TURN_FIX) === true) return;
  const connectionMade = method(proto, 'connectionMade');
  method(proto, 'requestWithRetry');
  Reflect.set(proto, 'connectionMade', async function (this: object, ...args: unknown[]): Promise<unknown> {
    Reflect.set(this, 'refresh', (lifetime: number) => startTurnRefresh(this, lifetime));
    return Reflect.apply(connectionMade, this, args);
  });
  Reflect.set(proto, TURN_FIX, true);
}

function startTurnRefresh(turn: object, initialLifetime: number): void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (lifetime: number): void => {
    timer = setTimeout(
      () => {
        void (async () => {
          let next = lifetime;
          try {
            const request = new Message(methods.REFRESH, classes.REQUEST);
            request.setAttribute('LIFETIME', lifetime);
            const answer: unknown = await Reflect.apply(method(turn, 'requestWithRetry'), turn, [
              request,
              Reflect.get(turn, 'server'),
            ]);
            const message: unknown = Array.isArray(answer) ? answer[0] : undefined;
            const value: unknown = message instanceof Message ? message.getAttributeValue('LIFETIME') : undefined;
            if (typeof value === 'number' && value > 0) next = value;
          } catch {
            // as werift: try again at the next interval
          }
          if (!stopped) schedule(next);
        })();
      },
      (5 / 6) * Math.max(1, lifetime) * 1000,
    );
  };
  schedule(initialLifetime);
  Reflect.set(turn, 'refreshHandle', {
    resolve: () => {
      stopped = true;
      clearTimeout(timer);
    },
  });
}

/** werift's CandidatePairState values (ice/src/iceBase.ts). */
const PAIR_FROZEN = 0;
const PAIR_WAITING = 1;

/**
 * ICE reports `connected` as soon as the last connectivity check can complete, not up to 20 ms after (issue
 * 11: first video packet).
 *
 * werift 0.24.4's `Connection.connect()` paces its checks (RFC 8445 6.1.4.2, Ta = 20 ms): it calls
 * `schedulingChecks()`, which starts the next waiting or frozen pair's check and says whether to go on, then
 * sleeps 20 ms, and only once a call returns false does it wait for the check list's result and report
 * `connected` (as DTLS client our ClientHello leaves then). With the remote candidates complete (an offer
 * with `a=end-of-candidates`: every HTTP offer, werift and Home Assistant peers) and no pair left waiting
 * or frozen, the call after the sleep can only return false: the sleep after the last check began only held
 * `connected` back, 20–21 ms on every viewer (werift viewers on loopback: server ICE connected 24 ms after
 * the offer came, the check itself done in ~3). Here that call says false at once; the pacing between checks
 * and every trickled (not ended) candidate list keep werift's loop.
 */
export function skipIdleCheckPacing(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    const connection: object = transport.connection;
    const scheduling: unknown = Reflect.get(connection, 'schedulingChecks');
    if (typeof scheduling !== 'function' || !Array.isArray(Reflect.get(connection, 'checkList')))
      throw new WeriftInternalsError('werift ICE connection has no schedulingChecks/checkList');
    Reflect.set(connection, 'schedulingChecks', (): boolean => {
      const more = Reflect.apply(scheduling, connection, []) === true;
      if (!more || Reflect.get(connection, 'remoteCandidatesEnd') !== true) return more;
      const checkList = Reflect.get(connection, 'checkList') as ReadonlyArray<{ state: unknown }>;
      return checkList.some((pair) => pair.state === PAIR_FROZEN || pair.state === PAIR_WAITING);
    });
  }
}
