import type { ServerResponse } from 'node:http';
import type { Disposer } from '../../core/event.js';
import type { WsConnection } from '../api/index.js';
import type { FragmentTransport } from './consumer.js';

/**
 * MSE over `/api/ws`: every unit is one binary message, as go2rtc's player expects (it appends each message
 * to its SourceBuffer). Congestion, the 5 s write deadline and the memory guard are the connection's.
 */
export class WsTransport implements FragmentTransport {
  /**
   * One message per fragment: the ws library sends a message from one buffer, and copying the frame into the
   * client's re-timed moof costs less than a second socket write per fragment (measured in bench/mse.ts).
   */
  readonly contiguous = true;

  constructor(private readonly connection: WsConnection) {}

  write(parts: readonly Buffer[]): boolean {
    const [first] = parts;
    if (first === undefined) return true;
    return this.connection.sendBinary(parts.length === 1 ? first : Buffer.concat(parts));
  }

  onDrain(handler: () => void): Disposer {
    return this.connection.onDrain.subscribe(handler);
  }

  close(): void {
    this.connection.close();
  }
}

export interface HttpTransportLimits {
  /** Buffered bytes above which the transport reports congestion. Defaults to 1 MiB. */
  highWaterBytes: number;
  /** Buffered bytes above which the client is dropped. Defaults to 16 MiB. */
  maxBufferedBytes: number;
  /** A client whose buffer does not drain within this time is dropped. Defaults to 5 s, as for WebSockets. */
  writeDeadlineMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpTransportLimits = {
  highWaterBytes: 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  writeDeadlineMs: 5000,
};

/** Progressive MP4 on an HTTP response (chunked, no length): the shared mdat is written by reference. */
export class HttpTransport implements FragmentTransport {
  readonly contiguous = false;
  private deadline: NodeJS.Timeout | undefined;
  private readonly drainHandlers = new Set<() => void>();

  constructor(
    private readonly res: ServerResponse,
    private readonly limits: HttpTransportLimits = DEFAULT_HTTP_LIMITS,
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
