import type { ServerResponse } from 'node:http';
import { Deadline } from '../../core/deadline.js';
import type { Disposer } from '../../core/event.js';

export interface ResponseLimits {
  /** Buffered bytes above which the writer reports congestion. */
  highWaterBytes: number;
  /** Buffered bytes above which the client is dropped. */
  maxBufferedBytes: number;
  /** A client whose buffer does not drain within this time is dropped (as WebSocket clients are). */
  writeDeadlineMs: number;
}

export const DEFAULT_RESPONSE_LIMITS: ResponseLimits = {
  highWaterBytes: 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  writeDeadlineMs: 5000,
};

/**
 * Back-pressure for a never-ending HTTP response (MJPEG multipart, progressive MP4): the same rules as a
 * WebSocket client's, so a slow viewer is dropped instead of buffering without bound. `write` answers false while
 * the client is congested; the consumer's senders wait for `onDrain`.
 */
export class ResponseWriter {
  /** Started by the first congestion, ended by a drain: a client still congested then stopped reading. */
  private readonly deadline: Deadline;
  private readonly drainHandlers = new Set<() => void>();

  constructor(
    private readonly res: ServerResponse,
    private readonly limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
  ) {
    this.deadline = new Deadline(() => res.destroy());
    res.on('drain', () => {
      this.deadline.clear();
      for (const handler of [...this.drainHandlers]) handler();
    });
    res.once('close', () => {
      this.deadline.clear();
      this.drainHandlers.clear();
    });
  }

  /** The parts in one corked burst (one TCP segment train per frame, not one per part). */
  write(parts: readonly Buffer[]): boolean {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return false;
    res.cork();
    for (const part of parts) res.write(part);
    res.uncork();
    const buffered = res.writableLength;
    if (buffered > this.limits.maxBufferedBytes) {
      res.destroy();
      return false;
    }
    if (buffered <= this.limits.highWaterBytes) return true;
    this.deadline.arm(this.limits.writeDeadlineMs);
    return false;
  }

  onDrain(handler: () => void): Disposer {
    this.drainHandlers.add(handler);
    return () => this.drainHandlers.delete(handler);
  }

  close(): void {
    this.deadline.clear();
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
  }
}
