import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { Deadline } from '../../core/deadline.js';
import { Event } from '../../core/event.js';
import { newNodeId } from '../../core/track.js';
import { binaryFrameHeader } from '../../pkg/websocket/index.js';

/** One `{type, value}` text frame of go2rtc's WebSocket API; `value` is left out when undefined. */
export interface WsMessage {
  type: string;
  value?: unknown;
}

/** A typed key for per-connection state (the WebRTC module keeps its peer connection here). */
export class WsSlot<T> {
  declare private readonly marker: T;
  constructor(readonly name: string) {}
}

export interface WsLimits {
  /** Queued bytes above which `send*` report congestion. Defaults to 1 MiB. */
  highWaterBytes: number;
  /** Queued bytes above which the client is dropped at once (memory guard). Defaults to 16 MiB. */
  maxQueuedBytes: number;
  /** A write not flushed to the socket within this time drops the client (go2rtc: 5 s deadline). */
  writeDeadlineMs: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = {
  highWaterBytes: 1024 * 1024,
  maxQueuedBytes: 16 * 1024 * 1024,
  writeDeadlineMs: 5000,
};

/**
 * One `/api/ws` client, as handlers see it: the query it connected with, who it is, and writes with go2rtc's
 * deadline semantics. Writes are tracked until the socket has flushed them; a write still pending after the
 * deadline means the client stopped reading, and it is dropped so one stuck viewer cannot hold memory.
 */
export class WsConnection {
  readonly id = newNodeId();
  /** `src` (stream name or source URL), `dst` (publish target), `name`, plus anything else the client sent. */
  readonly query: URLSearchParams;
  readonly remoteAddr: string;
  readonly userAgent: string;
  /** Fires once, after the socket closed for any reason. */
  readonly onClose = new Event<[]>();
  /** Queued bytes fell back below the high-water mark after a `send*` returned false. */
  readonly onDrain = new Event<[]>();

  private readonly state = new Map<WsSlot<unknown>, unknown>();
  /** Send times of writes not yet flushed, oldest first; with the byte count, the deadline's bookkeeping. */
  private readonly pendingSince: number[] = [];
  private pendingBytes = 0;
  private congested = false;
  /** Runs at the oldest pending write's deadline: still pending then, the client stopped reading. */
  private readonly deadline = new Deadline(() => {
    const head = this.pendingSince[0];
    if (head === undefined) return;
    if (Date.now() - head >= this.limits.writeDeadlineMs) this.terminate();
    else this.armDeadline();
  });
  private closed = false;

  /**
   * @param upgraded the socket `ws` took over at the upgrade (its `_socket`), for `sendBinaryParts`: with
   *   permessage-deflate off (`ws.ts`) `ws` writes each of its own frames to it at once and whole, so a frame
   *   written whole beside them cannot interleave.
   */
  constructor(
    private readonly socket: WebSocket,
    request: IncomingMessage,
    private readonly limits: WsLimits,
    private readonly log: Logger,
    private readonly upgraded?: Duplex,
  ) {
    const url = new URL(request.url ?? '/', 'http://localhost');
    this.query = url.searchParams;
    const forwarded = request.headers['x-forwarded-for'];
    const peer = `${request.socket.remoteAddress ?? ''}:${request.socket.remotePort ?? ''}`;
    // go2rtc shows the proxy's client too (`192.168.1.2:5555 forwarded 10.0.0.3`), which the UI and `.dot` use.
    this.remoteAddr = forwarded ? `${peer} forwarded ${String(forwarded).split(',')[0]?.trim() ?? ''}` : peer;
    this.userAgent = request.headers['user-agent'] ?? '';
    socket.once('close', () => this.finish());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes handed to the socket and not yet flushed. */
  get queuedBytes(): number {
    return this.pendingBytes;
  }

  get<T>(slot: WsSlot<T>): T | undefined {
    return this.state.get(slot) as T | undefined;
  }

  set<T>(slot: WsSlot<T>, value: T): void {
    this.state.set(slot, value);
  }

  /** Sends a JSON text frame. Returns false when the client is congested (wait for `onDrain`). */
  send(message: WsMessage): boolean {
    const json = JSON.stringify(
      message.value === undefined ? { type: message.type } : { type: message.type, value: message.value },
    );
    return this.write(json, Buffer.byteLength(json), false);
  }

  /** Sends a binary frame (media). Returns false when the client is congested (wait for `onDrain`). */
  sendBinary(data: Uint8Array): boolean {
    return this.write(data, data.byteLength, true);
  }

  /**
   * Sends the parts as one binary message, each written by reference (one socket write for all of them): an MSE
   * fragment's per-client moof and the mdat every client shares. Through `ws` (joined first) when the socket
   * is not at hand or `ws` negotiated an extension. Returns false when the client is congested.
   */
  sendBinaryParts(parts: readonly Uint8Array[]): boolean {
    const raw = this.upgraded;
    if (!raw || this.socket.extensions !== '' || parts.length < 2)
      return this.sendBinary(parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts));
    let size = 0;
    for (const part of parts) size += part.byteLength;
    if (!raw.writable || !this.beforeWrite(size)) return false;
    raw.cork();
    raw.write(binaryFrameHeader(size));
    const last = parts.length - 1;
    for (let i = 0; i < last; i++) raw.write(parts[i]);
    raw.write(parts[last], () => this.flushed(size));
    raw.uncork();
    return this.afterWrite();
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.socket.close(code, reason);
  }

  /** Drops the client without a closing handshake (stuck or shutting down). */
  terminate(): void {
    this.socket.terminate();
  }

  private write(data: string | Uint8Array, size: number, binary: boolean): boolean {
    if (!this.beforeWrite(size)) return false;
    this.socket.send(data, { binary }, () => this.flushed(size));
    return this.afterWrite();
  }

  /** False when the socket no longer takes messages; otherwise counts `size` bytes as pending from now. */
  private beforeWrite(size: number): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    this.pendingBytes += size;
    this.pendingSince.push(Date.now());
    return true;
  }

  /** The byte cap, the write deadline and congestion, after a write was handed to the socket. */
  private afterWrite(): boolean {
    if (this.pendingBytes > this.limits.maxQueuedBytes) {
      this.terminate();
      return false;
    }
    this.armDeadline();
    if (this.pendingBytes > this.limits.highWaterBytes) this.congested = true;
    return !this.congested;
  }

  private flushed(size: number): void {
    this.pendingBytes -= size;
    this.pendingSince.shift();
    if (this.congested && this.pendingBytes <= this.limits.highWaterBytes / 2) {
      this.congested = false;
      if (this.closed) return;
      try {
        this.onDrain.emit();
      } catch (err) {
        this.log.error({ err, connection: this.id }, 'ws drain handler failed');
      }
    }
  }

  /** One timer for all pending writes: it fires at the oldest write's deadline. */
  private armDeadline(): void {
    if (this.closed) return;
    const oldest = this.pendingSince[0];
    if (oldest === undefined) return;
    this.deadline.arm(Math.max(0, oldest + this.limits.writeDeadlineMs - Date.now()));
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.deadline.clear();
    try {
      this.onClose.emit();
    } catch (err) {
      // A module's cleanup failed; the socket is gone either way, so report it and finish closing.
      this.log.error({ err, connection: this.id }, 'ws close handler failed');
    }
    this.onClose.clear();
    this.onDrain.clear();
  }
}
