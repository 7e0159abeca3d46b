/**
 * Whether the other end is gone, judged on a periodic tick: gone when nothing came from it for `timeoutMs`
 * (a WebRTC peer's ICE consent, RFC 7675; a camera that stopped sending media).
 *
 * A tick that comes late means this process did not run meanwhile (a long GC, a starved or paused VM, a
 * blocking call). Node runs due timers before it reads sockets, so that tick would take the stall for the
 * other end's silence while its packets wait unread in the socket: a 1.5 s stall of a test server with a 2 s
 * consent timeout dropped every viewer. So the time a tick is late by is not counted as silence: after a
 * stall the next on-time tick judges, once the socket was read; a loop that runs late all the time still
 * judges, that much later.
 */
export class Liveness {
  private lastSeen: number;
  private lastTick: number;
  private lastCount: number | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly tickMs: number,
    now: number,
  ) {
    this.lastSeen = now;
    this.lastTick = now;
  }

  /** Something came at `at` (for an answered check: when the check was sent). */
  seen(at: number): void {
    if (at > this.lastSeen) this.lastSeen = at;
  }

  /** How long nothing came, as of `now`. */
  silence(now: number): number {
    return now - this.lastSeen;
  }

  /**
   * A tick for a watch that reads a counter (bytes or datagrams received) instead of hooking every packet:
   * a count that moved since the last tick is a sign of life at `now`. Then as `tick`.
   */
  tickCount(count: number, now: number): boolean {
    if (this.lastCount !== undefined && count !== this.lastCount) this.seen(now);
    this.lastCount = count;
    return this.tick(now);
  }

  /** Called on each tick of the check timer; true when the other end is to be taken as gone. */
  tick(now: number): boolean {
    const late = Math.max(0, now - this.lastTick - this.tickMs);
    this.lastTick = now;
    return now - this.lastSeen - late > this.timeoutMs;
  }
}

/**
 * Calls `gone(silentMs)` once `count()` (bytes or datagrams received) has not moved for `timeoutMs`, read on a
 * timer of a quarter of the timeout (1 s at most): nothing per packet. Returns what stops the watch.
 */
export function watchCounter(timeoutMs: number, count: () => number, gone: (silentMs: number) => void): () => void {
  const tickMs = Math.min(1000, timeoutMs / 4);
  const liveness = new Liveness(timeoutMs, tickMs, performance.now());
  const timer = setInterval(() => {
    const now = performance.now();
    if (!liveness.tickCount(count(), now)) return;
    clearInterval(timer);
    gone(liveness.silence(now));
  }, tickMs);
  return () => clearInterval(timer);
}
