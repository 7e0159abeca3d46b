/**
 * Whether a connected peer is gone (ICE consent expiry, RFC 7675), judged on a periodic tick: gone when
 * nothing came from it for `idleTimeoutMs`.
 *
 * A tick that comes late means this process did not run meanwhile (a long GC, a starved VM, a blocking call).
 * Node runs due timers before it reads sockets, so that tick would see the time of the stall as the peer's
 * silence while the peer's datagrams wait unread in the socket: a 1.5 s stall dropped every viewer of a test
 * server with a 2 s timeout. Such a tick passes no judgement; the next one comes after the socket was read.
 */
export class PeerLiveness {
  private lastSeen: number;
  private lastTick: number;

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly tickMs: number,
    now: number,
  ) {
    this.lastSeen = now;
    this.lastTick = now;
  }

  /** Something came from the peer at `at` (for an answered check: when the check was sent). */
  seen(at: number): void {
    if (at > this.lastSeen) this.lastSeen = at;
  }

  /** Called on each tick of the check timer; true when the peer is to be dropped. */
  tick(now: number): boolean {
    const late = now - this.lastTick > this.tickMs * 1.5;
    this.lastTick = now;
    return !late && now - this.lastSeen > this.idleTimeoutMs;
  }
}
