import type { IncomingMessage } from 'node:http';
import type { ConnectionDescription } from '../../core/connection.js';
import type { Media } from '../../core/media.js';
import { watchCounter } from '../../core/liveness.js';
import { ProducerBase } from '../../core/producer.js';
import { MultipartParser, boundaryOf } from '../../pkg/multipart/index.js';
import { HttpSourceError } from './errors.js';
import type { OpenedResponse } from './request.js';

export const JPEG_MEDIA: Media = {
  kind: 'video',
  direction: 'recvonly',
  codecs: [{ name: 'JPEG', clockRate: 90000, channels: 0 }],
};

/** 90 kHz wall-clock time since `origin` (MJPEG parts carry no timestamps). */
export function clock90k(origin: number): number {
  return Math.round(((performance.now() - origin) * 90000) / 1000);
}

/** A camera whose MJPEG body sends nothing for this long is taken as gone (HTTP_TIMEOUT); low frame rates fit. */
export const DEFAULT_MJPEG_STALL_MS = 10_000;

/**
 * An MJPEG camera over HTTP (`multipart/x-mixed-replace`): one long response, each part one JPEG. The
 * response is held from open (its headers told the format) and read from `start()`; a part that is not a JPEG
 * (some cameras interleave text parts) is skipped and counted. The producer closes with HTTP_ENDED when the
 * body ends or breaks, with HTTP_TIMEOUT when it stops coming (a camera that hangs with the connection open),
 * and the hub reconnects while someone watches.
 */
export class MjpegHttpProducer extends ProducerBase {
  private readonly parser: MultipartParser;
  private readonly origin = performance.now();
  private started = false;
  private stopWatch: (() => void) | undefined;
  /** Parts that were not JPEG images. */
  skippedParts = 0;

  constructor(
    private readonly opened: OpenedResponse,
    description: ConnectionDescription,
    /** Body bytes already read to decide the format. */
    private readonly head: Buffer,
    private readonly stallMs = DEFAULT_MJPEG_STALL_MS,
  ) {
    super(description, [JPEG_MEDIA]);
    this.parser = new MultipartParser({ boundary: boundaryOf(opened.response.headers['content-type'] ?? '') });
  }

  async start(): Promise<void> {
    if (this.started || this.isClosed) return;
    this.started = true;
    const response: IncomingMessage = this.opened.response;
    response.on('data', (chunk: Buffer) => this.feed(chunk));
    response.once('end', () => void this.close(new HttpSourceError('HTTP_ENDED', 'the MJPEG stream ended')));
    response.once('error', (err) => void this.close(new HttpSourceError('HTTP_ENDED', err.message, { cause: err })));
    response.once('close', () => void this.close(new HttpSourceError('HTTP_ENDED', 'the connection closed')));
    if (this.head.length > 0) this.feed(this.head);
    response.resume();
    // A camera that hangs with its connection open sends no end and no error: only the silence tells.
    this.stopWatch = watchCounter(
      this.stallMs,
      () => this.bytesRecv,
      (silentMs) => {
        const seconds = Math.round(silentMs / 1000);
        void this.close(new HttpSourceError('HTTP_TIMEOUT', `the MJPEG stream sent nothing for ${seconds} s`));
      },
    );
  }

  private feed(chunk: Buffer): void {
    if (this.isClosed) return;
    this.bytesRecv += chunk.length;
    let parts;
    try {
      parts = this.parser.push(chunk);
    } catch (err) {
      void this.close(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    for (const part of parts) {
      if (part.body.length < 2 || part.body[0] !== 0xff || part.body[1] !== 0xd8) {
        this.skippedParts++;
        continue;
      }
      const timestamp = clock90k(this.origin);
      for (const track of this.tracks) track.receiver.write({ payload: part.body, timestamp, keyframe: true });
    }
  }

  protected async release(): Promise<void> {
    this.stopWatch?.();
    this.opened.close();
  }
}
