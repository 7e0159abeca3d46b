import { randomBytes } from 'node:crypto';
import { Deadline } from '../../core/deadline.js';
import { HlsError } from './errors.js';
import type { HlsSession } from './session.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** go2rtc's session ids: 8 characters of [A-Za-z0-9]. */
export function newSessionId(): string {
  let id = '';
  for (const byte of randomBytes(8)) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

interface Entry {
  readonly session: HlsSession;
  /** The keepalive: a Deadline, so a request that came during a stall of the process is read first. */
  readonly keepalive: Deadline;
  /** Requests of this session being answered. */
  requests: number;
}

/**
 * The live HLS sessions by id. A session lives while its player keeps asking: every request for its
 * playlist, init or segments restarts its keepalive timer, and when one runs out (go2rtc: 5 s) the session
 * ends and frees its consumer. A session whose stream ends leaves the registry too.
 */
export class HlsSessionRegistry {
  private readonly sessions = new Map<string, Entry>();

  constructor(private readonly keepaliveMs: number) {}

  get size(): number {
    return this.sessions.size;
  }

  /** A fresh id no running session uses. */
  newId(): string {
    let id = newSessionId();
    while (this.sessions.has(id)) id = newSessionId();
    return id;
  }

  add(session: HlsSession): void {
    const entry: Entry = { session, keepalive: new Deadline(() => session.close()), requests: 0 };
    this.arm(entry);
    this.sessions.set(session.id, entry);
    session.onClose.once(() => {
      entry.keepalive.clear();
      if (this.sessions.get(session.id) === entry) this.sessions.delete(session.id);
    });
  }

  /**
   * Runs one request of the session's player: the keepalive stops while it runs (a request may wait for a
   * segment longer than the keepalive) and restarts when it ends. HLS_SESSION_NOT_FOUND when unknown or expired.
   */
  async use<T>(id: string, request: (session: HlsSession) => Promise<T> | T): Promise<T> {
    const entry = this.sessions.get(id);
    if (!entry || entry.session.isClosed) throw new HlsError('HLS_SESSION_NOT_FOUND', 'hls: session not found');
    entry.requests++;
    entry.keepalive.clear();
    try {
      return await request(entry.session);
    } finally {
      entry.requests--;
      if (entry.requests === 0 && !entry.session.isClosed) this.arm(entry);
    }
  }

  private arm(entry: Entry): void {
    entry.keepalive.clear();
    entry.keepalive.arm(this.keepaliveMs);
  }

  list(): HlsSession[] {
    return [...this.sessions.values()].map((e) => e.session);
  }

  closeAll(): void {
    for (const { session } of [...this.sessions.values()]) session.close();
    this.sessions.clear();
  }
}
