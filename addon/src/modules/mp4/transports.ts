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
  constructor(private readonly connection: WsConnection) {}

  /** The client's moof and the shared mdat as one message, neither copied (ws-connection.ts). */
  write(parts: readonly Buffer[]): boolean {
    return this.connection.sendBinaryParts(parts);
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
