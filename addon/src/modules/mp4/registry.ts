import type { Logger } from 'pino';
import { FragmentSession, type SessionOptions, type SessionTrack } from './session.js';

/**
 * The live fMP4 sessions of one server: one per set of source tracks (the stream's track receivers) and
 * codecs, shared by every MSE and stream.mp4 client that negotiated the same tracks. A session starts with
 * its first client and stops with its last.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, FragmentSession>();

  constructor(
    private readonly log: Logger,
    private readonly options: SessionOptions = {},
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** The running sessions (stats, tests). */
  list(): FragmentSession[] {
    return [...this.sessions.values()];
  }

  /** The session for these tracks, started if new, with one more client counted. */
  acquire(tracks: readonly SessionTrack[]): FragmentSession {
    const key = tracks.map((t) => `${t.receiver.id}:${t.codec.name}`).join('|');
    let session = this.sessions.get(key);
    if (!session || session.isClosed) {
      const created = new FragmentSession(key, tracks, this.log, this.options);
      created.onClose.subscribe(() => {
        if (this.sessions.get(key) === created) this.sessions.delete(key);
      });
      this.sessions.set(key, created);
      session = created;
      session.retain();
      session.start();
      return session;
    }
    session.retain();
    return session;
  }

  closeAll(): void {
    for (const session of [...this.sessions.values()]) session.close();
    this.sessions.clear();
  }
}
