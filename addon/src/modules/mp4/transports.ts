import type { ServerResponse } from 'node:http';
import type { Disposer } from '../../core/event.js';
import type { WsConnection } from '../api/index.js';
import { ResponseWriter, type ResponseLimits } from '../api/response-writer.js';
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

export type HttpTransportLimits = ResponseLimits;

/** Progressive MP4 on an HTTP response (chunked, no length): the shared mdat is written by reference. */
export class HttpTransport implements FragmentTransport {
  readonly contiguous = false;
  private readonly writer: ResponseWriter;

  constructor(res: ServerResponse, limits?: HttpTransportLimits) {
    this.writer = new ResponseWriter(res, limits);
  }

  write(parts: readonly Buffer[]): boolean {
    return this.writer.write(parts);
  }

  onDrain(handler: () => void): Disposer {
    return this.writer.onDrain(handler);
  }

  close(): void {
    this.writer.close();
  }
}
