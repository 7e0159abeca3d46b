import type { ServerResponse } from 'node:http';
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
  private deadline: NodeJS.Timeout | undefined;
  private readonly drainHandlers = new Set<() => void>();

  constructor(
    private readonly res: ServerResponse,
    private readonly limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
  ) {
    res.on('drain', () => {
      this.clearDeadline();
      for (const handler of [...this.drainHandlers]) handler();
    });
    res.once('close', () => {
      this.clearDeadline();
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
    this.deadline ??= setTimeout(() => res.destroy(), this.limits.writeDeadlineMs);
    return false;
  }

  onDrain(handler: () => void): Disposer {
    this.drainHandlers.add(handler);
    return () => this.drainHandlers.delete(handler);
  }

  close(): void {
    this.clearDeadline();
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
  }
}
