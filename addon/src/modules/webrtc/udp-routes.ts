import { classifyStunDatagram, stunRequestTransaction } from '../../pkg/webrtc/stun.js';

export interface UdpRoutesOptions {
  /** Remote addresses one peer may own; a peer's candidates are a handful, so more is a spoofing flood. */
  maxAddressesPerPeer?: number;
  /** Outgoing STUN requests remembered for routing their responses, and for how long. */
  maxTransactions?: number;
  transactionTtlMs?: number;
}

export interface UdpRoutesStats {
  /** Datagrams given to a peer. */
  routed: number;
  /** Datagrams nobody owned: an unknown ufrag, an address no request mapped, a late response. */
  dropped: number;
}

/**
 * Which peer a datagram on the shared UDP port belongs to (no sockets here; udp-mux.ts owns them).
 *
 * As pion's UDPMux and RFC 8445 7.3: a remote address is unknown until it sends a binding request whose
 * USERNAME starts with a peer's ufrag; from then on everything from that address (DTLS, SRTP, SRTCP, the
 * peer's later checks) goes to that peer. A binding request naming another registered ufrag moves the address
 * (a NAT that reused a port for a new viewer while the old one is still timing out). Responses to requests our
 * peers sent (connectivity checks before the remote side's first check came, consent, STUN servers for
 * server-reflexive candidates) go by transaction id, since a STUN server's address is shared by all peers.
 */
export class UdpRoutes<T> {
  readonly stats: UdpRoutesStats = { routed: 0, dropped: 0 };
  private readonly byUfrag = new Map<string, T>();
  private readonly ufragOf = new Map<T, string>();
  private readonly byAddress = new Map<string, T>();
  private readonly addressesOf = new Map<T, Set<string>>();
  /** Insertion order = age: the oldest entries are at the front and expire first. */
  private readonly transactions = new Map<
    string,
    { readonly target: T; readonly at: number; readonly check: boolean }
  >();
  private readonly maxAddressesPerPeer: number;
  private readonly maxTransactions: number;
  private readonly transactionTtlMs: number;

  constructor(options: UdpRoutesOptions = {}) {
    this.maxAddressesPerPeer = options.maxAddressesPerPeer ?? 32;
    // Answered requests leave at once: what stays is the unanswered (a dead peer's consent checks, a silent
    // STUN server), for at most the TTL; werift retransmits a check for ~8 s, a STUN/TURN request up to ~40 s.
    this.maxTransactions = options.maxTransactions ?? 16_384;
    this.transactionTtlMs = options.transactionTtlMs ?? 60_000;
  }

  /** False when another peer holds `ufrag` (werift's are 4 characters: rare, not impossible). */
  register(ufrag: string, target: T): boolean {
    if (this.byUfrag.has(ufrag) || this.ufragOf.has(target)) return false;
    this.byUfrag.set(ufrag, target);
    this.ufragOf.set(target, ufrag);
    this.addressesOf.set(target, new Set());
    return true;
  }

  /** Forgets the peer: its ufrag, every address it owned and its pending transactions. */
  unregister(target: T): void {
    const ufrag = this.ufragOf.get(target);
    if (ufrag === undefined) return;
    this.ufragOf.delete(target);
    this.byUfrag.delete(ufrag);
    for (const address of this.addressesOf.get(target) ?? []) this.byAddress.delete(address);
    this.addressesOf.delete(target);
    for (const [id, entry] of this.transactions) if (entry.target === target) this.transactions.delete(id);
  }

  /** The peer `data` from `address` (`host:port` or `[v6]:port`, any stable key) belongs to, or undefined. */
  route(data: Buffer, address: string, now: number): T | undefined {
    const stun = classifyStunDatagram(data);
    let target: T | undefined;
    if (stun?.kind === 'request' && stun.ufrag !== undefined) {
      target = this.byUfrag.get(stun.ufrag);
      if (target !== undefined) this.mapAddress(address, target);
    } else if (stun?.kind === 'response') {
      const entry = this.transactions.get(stun.transactionId);
      // werift ends its transaction at the first response: later ones have nowhere to go, so neither the entry.
      this.transactions.delete(stun.transactionId);
      if (entry && now - entry.at <= this.transactionTtlMs) {
        target = entry.target;
        // A remote peer that answered our connectivity check may send DTLS before its own check reaches this
        // port (it tries our other candidates too): the address is the peer's from now on, unless another
        // owns it. Measured with Chromium: warm first frame 180-240 -> 175-205 ms (its DTLS was dropped
        // until then). Not for a STUN server's answer (no USERNAME in our request): that address is shared.
        if (entry.check && !this.byAddress.has(address)) this.mapAddress(address, target);
      }
    }
    target ??= this.byAddress.get(address);
    if (target === undefined) this.stats.dropped++;
    else this.stats.routed++;
    return target;
  }

  /** Notes a datagram `target` sends: a STUN request's transaction id, for routing the response back. */
  sent(data: Buffer, target: T, now: number): void {
    const id = stunRequestTransaction(data);
    if (id === undefined || !this.ufragOf.has(target)) return;
    // A connectivity check carries USERNAME; a request to a STUN or TURN server does not.
    const stun = classifyStunDatagram(data);
    const check = stun?.kind === 'request' && stun.ufrag !== undefined;
    // A retransmission keeps its id: moved to the back, as a new entry.
    this.transactions.delete(id);
    this.transactions.set(id, { target, at: now, check });
    for (const [oldId, entry] of this.transactions) {
      if (this.transactions.size <= this.maxTransactions && now - entry.at <= this.transactionTtlMs) break;
      this.transactions.delete(oldId);
    }
  }

  get peerCount(): number {
    return this.byUfrag.size;
  }

  /** Sizes of the tables, for leak checks. */
  get sizes(): { peers: number; addresses: number; transactions: number } {
    return { peers: this.byUfrag.size, addresses: this.byAddress.size, transactions: this.transactions.size };
  }

  private mapAddress(address: string, target: T): void {
    const owner = this.byAddress.get(address);
    if (owner === target) return;
    const owned = this.addressesOf.get(target);
    if (!owned || owned.size >= this.maxAddressesPerPeer) return;
    if (owner !== undefined) this.addressesOf.get(owner)?.delete(address);
    this.byAddress.set(address, target);
    owned.add(address);
  }
}
