import type { ServerResponse } from 'node:http';
import type { Disposer } from '../../core/event.js';
import { multipartPart } from '../../pkg/mjpeg/index.js';
import type { WsConnection } from '../api/index.js';
import type { JpegTransport } from './consumer.js';

/** Buffered bytes above which a client counts as congested, and the deadline to drain them (as WebSockets). */
const HIGH_WATER = 1024 * 1024;
const MAX_BUFFERED = 8 * 1024 * 1024;
const DEADLINE_MS = 5000;

/** `multipart/x-mixed-replace` on an HTTP response: each image one part, written in one corked burst. */
export class MultipartTransport implements JpegTransport {
  private deadline: NodeJS.Timeout | undefined;
  private readonly drainHandlers = new Set<() => void>();

  constructor(private readonly res: ServerResponse) {
    res.on('drain', () => {
      if (this.deadline) clearTimeout(this.deadline);
      this.deadline = undefined;
      for (const handler of [...this.drainHandlers]) handler();
    });
    res.once('close', () => {
      if (this.deadline) clearTimeout(this.deadline);
      this.drainHandlers.clear();
    });
  }

  write(image: Buffer): boolean {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return false;
    res.cork();
    for (const part of multipartPart(image)) res.write(part);
    res.uncork();
    if (res.writableLength > MAX_BUFFERED) {
      res.destroy();
      return false;
    }
    if (res.writableLength <= HIGH_WATER) return true;
    this.deadline ??= setTimeout(() => res.destroy(), DEADLINE_MS);
    return false;
  }

  onDrain(handler: () => void): Disposer {
    this.drainHandlers.add(handler);
    return () => this.drainHandlers.delete(handler);
  }

  close(): void {
    if (this.deadline) clearTimeout(this.deadline);
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end();
  }
}

/** go2rtc's `mjpeg` WebSocket mode: every image one binary message. */
export class WsJpegTransport implements JpegTransport {
  constructor(private readonly connection: WsConnection) {}

  write(image: Buffer): boolean {
    return this.connection.sendBinary(image);
  }

  onDrain(handler: () => void): Disposer {
    return this.connection.onDrain.subscribe(handler);
  }

  close(): void {
    // The socket may carry other modes too (go2rtc's player keeps one socket); only the images stop.
  }
}
