import type { ServerResponse } from 'node:http';
import type { Disposer } from '../../core/event.js';
import { multipartPart } from '../../pkg/mjpeg/index.js';
import type { WsConnection } from '../api/index.js';
import { ResponseWriter } from '../api/response-writer.js';
import type { JpegTransport } from './consumer.js';

/** Below the MP4 limits: a multipart client that holds 8 MiB of JPEGs is seconds behind; WebSockets' 5 s deadline. */
const MULTIPART_LIMITS = { highWaterBytes: 1024 * 1024, maxBufferedBytes: 8 * 1024 * 1024, writeDeadlineMs: 5000 };

/** `multipart/x-mixed-replace` on an HTTP response: each image one part, written in one corked burst. */
export class MultipartTransport implements JpegTransport {
  private readonly writer: ResponseWriter;

  constructor(res: ServerResponse) {
    this.writer = new ResponseWriter(res, MULTIPART_LIMITS);
  }

  write(image: Buffer): boolean {
    return this.writer.write(multipartPart(image));
  }

  onDrain(handler: () => void): Disposer {
    return this.writer.onDrain(handler);
  }

  close(): void {
    this.writer.close();
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
