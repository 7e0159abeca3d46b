import type { Socket } from 'node:net';
import { Deadline } from '../../core/deadline.js';
import { Event } from '../../core/event.js';
import { RtspConnectionError } from './errors.js';
import { RtspHeaders } from './headers.js';
import type { RtspLogger } from './log.js';
import {
  interleavedHeader,
  serializeRequest,
  serializeResponse,
  type RequestInput,
  type ResponseInput,
  type RtspRequest,
  type RtspResponse,
} from './message.js';
import { RtspReader } from './reader.js';

export interface RtspConnectionOptions {
  /** A request without an answer fails after this long. Defaults to 10 s. */
  requestTimeoutMs?: number;
  /**
   * Bytes the socket may buffer before interleaved media is refused (the sender then queues, and drops per
   * its policy). Defaults to 512 KiB: about a second of a 4 Mbit/s camera.
   */
  maxBufferedBytes?: number;
  /**
   * A peer that leaves the socket congested this long has stopped reading (a frozen player, a dead link
   * without a FIN): the connection is closed with RTSP_TIMEOUT so its session and queue go, while the other
   * readers keep their frame rate. Defaults to 10 s (MediaMTX's writeTimeout).
   */
  writeDeadlineMs?: number;
}

/**
 * One RTSP TCP (or TLS) connection, either side: reads requests, responses and interleaved frames through the
 * pure RtspReader, writes messages and interleaved RTP. It knows nothing of sessions or streams.
 */
export class RtspConnection {
  readonly onRequest = new Event<[RtspRequest]>();
  readonly onFrame = new Event<[channel: number, payload: Buffer]>();
  /** The socket can take more interleaved media (after `writeFrame` returned false). */
  readonly onDrain = new Event<[]>();
  readonly onClose = new Event<[Error | undefined]>();
  bytesRecv = 0;
  bytesSend = 0;

  private readonly reader = new RtspReader();
  private readonly pending = new Map<
    number,
    { resolve: (r: RtspResponse) => void; reject: (e: Error) => void; deadline: Deadline }
  >();
  private cseq = 0;
  private closed = false;
  private readonly requestTimeoutMs: number;
  private readonly maxBufferedBytes: number;
  private readonly writeDeadlineMs: number;
  /** Started by the first congestion, ended by a drain: a reader still congested then stopped reading. */
  private readonly congestion = new Deadline(() => {
    const message = `peer stopped reading: ${this.socket.writableLength} bytes unsent for ${this.writeDeadlineMs} ms`;
    this.log.debug({ remote: this.remoteAddr }, message);
    this.close(new RtspConnectionError('RTSP_TIMEOUT', message));
  });

  constructor(
    readonly socket: Socket,
    private readonly log: RtspLogger,
    options: RtspConnectionOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 512 * 1024;
    this.writeDeadlineMs = options.writeDeadlineMs ?? 10_000;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('drain', () => {
      this.congestion.clear();
      this.onDrain.emit();
    });
    socket.on('error', (err) => this.close(err));
    socket.on('close', () => this.close(undefined));
  }

  get remoteAddr(): string {
    const { remoteAddress, remotePort } = this.socket;
    if (!remoteAddress) return '';
    return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a request with the next CSeq and resolves with its response. */
  request(input: RequestInput): Promise<RtspResponse> {
    if (this.closed) return Promise.reject(new RtspConnectionError('RTSP_CLOSED', 'connection closed'));
    const cseq = ++this.cseq;
    const headers = new RtspHeaders(
      input.headers instanceof RtspHeaders ? input.headers.entries() : Object.entries(input.headers ?? {}),
    );
    headers.set('CSeq', String(cseq));
    const bytes = serializeRequest({ ...input, headers });
    return new Promise<RtspResponse>((resolve, reject) => {
      // A Deadline: after a stall of this process the answer that came meanwhile is read before it judges.
      const deadline = new Deadline(() => {
        this.pending.delete(cseq);
        reject(new RtspConnectionError('RTSP_TIMEOUT', `${input.method}: no answer in ${this.requestTimeoutMs} ms`));
      });
      deadline.arm(this.requestTimeoutMs);
      this.pending.set(cseq, { resolve, reject, deadline });
      this.write(bytes);
    });
  }

  respond(request: RtspRequest, input: ResponseInput): void {
    const headers = new RtspHeaders(
      input.headers instanceof RtspHeaders ? input.headers.entries() : Object.entries(input.headers ?? {}),
    );
    const cseq = request.headers.get('CSeq');
    if (cseq !== undefined) headers.set('CSeq', cseq);
    this.write(serializeResponse({ ...input, headers }));
  }

  /**
   * Writes one interleaved packet as `$ channel length` + parts, with one writev. Returns false when the
   * socket is congested: the caller stops sending and waits for `onDrain`.
   */
  writeFrame(channel: number, parts: readonly Buffer[]): boolean {
    if (this.closed) return false;
    let length = 0;
    for (const part of parts) length += part.length;
    const socket = this.socket;
    socket.cork();
    socket.write(interleavedHeader(channel, length));
    for (const part of parts) socket.write(part);
    socket.uncork();
    this.bytesSend += 4 + length;
    return this.writable();
  }

  /**
   * Writes the RTP packets of one frame on one channel under a single cork, so a frame costs one writev
   * however many packets it has. The packet parts are sent as they are (views into the frame).
   */
  writeRtp(
    channel: number,
    packets: ReadonlyArray<{ readonly header: Buffer; readonly payload: readonly Buffer[] }>,
  ): boolean {
    if (this.closed) return false;
    const socket = this.socket;
    socket.cork();
    for (const packet of packets) {
      let length = packet.header.length;
      for (const part of packet.payload) length += part.length;
      socket.write(interleavedHeader(channel, length));
      socket.write(packet.header);
      for (const part of packet.payload) socket.write(part);
      this.bytesSend += 4 + length;
    }
    socket.uncork();
    return this.writable();
  }

  /**
   * Writes bytes that are already interleaved frames (a frame's packets serialized once for every reader):
   * one write, nothing copied. Returns false when the socket is congested, as writeFrame.
   */
  writeBytes(bytes: Buffer): boolean {
    if (this.closed) return false;
    this.bytesSend += bytes.length;
    this.socket.write(bytes);
    return this.writable();
  }

  /** False when the socket is congested; the first congestion starts the write deadline, a drain ends it. */
  private writable(): boolean {
    const buffered = this.socket.writableLength;
    if (buffered < this.maxBufferedBytes) return true;
    this.congestion.arm(this.writeDeadlineMs);
    return false;
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.congestion.clear();
    for (const [, p] of this.pending) {
      p.deadline.clear();
      p.reject(error ?? new RtspConnectionError('RTSP_CLOSED', 'connection closed'));
    }
    this.pending.clear();
    this.socket.destroy();
    this.onClose.emit(error);
  }

  private write(bytes: Buffer): void {
    if (this.closed) return;
    this.bytesSend += bytes.length;
    this.socket.write(bytes);
  }

  private read(chunk: Buffer): void {
    this.bytesRecv += chunk.length;
    for (const item of this.reader.push(chunk)) {
      switch (item.kind) {
        case 'frame':
          this.onFrame.emit(item.channel, item.payload);
          break;
        case 'request':
          this.onRequest.emit(item);
          break;
        case 'response': {
          let cseq = Number(item.headers.get('CSeq'));
          // Some cheap cameras answer without CSeq (or with a wrong one): with one request waiting, it is
          // the answer to that request.
          if (!this.pending.has(cseq) && this.pending.size === 1) cseq = this.pending.keys().next().value ?? cseq;
          const waiting = this.pending.get(cseq);
          if (!waiting) {
            this.log.debug({ cseq }, 'rtsp: response without a request');
            break;
          }
          this.pending.delete(cseq);
          waiting.deadline.clear();
          waiting.resolve(item);
          break;
        }
        case 'garbage':
          this.log.debug({ size: item.size }, item.error.message);
          break;
        case 'error':
          // The reader cannot resynchronise (a header over its limit): this peer is not speaking RTSP.
          this.close(item.error);
          return;
      }
    }
  }
}
