import type { RtspPublisher } from './publisher.js';

/** Takes a publisher for a claimed path; returns false to refuse it (the ANNOUNCE then falls through). */
export type PublishClaim = (publisher: RtspPublisher, remoteAddress: string) => boolean;

/**
 * exec:/ffmpeg: sources start a process that publishes to `rtsp://127.0.0.1:<port>/<random path>`; the source
 * claims that path first, and the ANNOUNCE to it goes to the source instead of to a stream. One registry per
 * RTSP server, so several servers in one process stay apart.
 */
export class PublishClaims {
  private readonly claims = new Map<string, PublishClaim>();

  /** Routes the next accepted ANNOUNCE for `path` to `claim`; the returned function withdraws the claim. */
  claim(path: string, claim: PublishClaim): () => void {
    if (this.claims.has(path)) throw new Error(`rtsp: publish path ${path} already claimed`);
    this.claims.set(path, claim);
    return () => {
      if (this.claims.get(path) === claim) this.claims.delete(path);
    };
  }

  /** Hands `publisher` to the claim on `path`, if there is one and it accepts; a claim is used once. */
  take(path: string, publisher: RtspPublisher, remoteAddress: string): boolean {
    const claim = this.claims.get(path);
    if (!claim || !claim(publisher, remoteAddress)) return false;
    this.claims.delete(path);
    return true;
  }
}
