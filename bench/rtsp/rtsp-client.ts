/**
 * The smallest RTSP client that serves the bench: requests with answers, then interleaved frames handed out
 * as views into the bytes read (no per-packet objects, no copies except for a frame split across two reads;
 * reads go into one buffer per connection, `lib/read-buffer.ts`), so the clients cost little next to the
 * servers they measure and stamp arrivals as early as they can.
 * Not the project's RtspConnection on purpose: the bench should not measure ts2rtc with ts2rtc.
 */
import type { Socket } from 'node:net';
import { connectReading } from '../lib/read-buffer.js';
import { nowNs } from './stamp.js';

export interface RtspAnswer {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** An interleaved frame: `buf[start, end)` is its payload, `arrivalNs` when the read that completed it began. */
export type FrameHandler = (channel: number, buf: Buffer, start: number, end: number, arrivalNs: number) => void;

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_MESSAGE = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const REQUEST_TIMEOUT_MS = 10_000;

export class BenchRtspClient {
  private rest: Buffer = EMPTY;
  private cseq = 0;
  private waiting: { resolve: (a: RtspAnswer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private onFrame: FrameHandler | undefined;
  /**
   * Bytes read after an answer while nobody takes frames yet: kept until the next request (then frames in
   * them are dropped, answers parsed) or until `interleave` (then they are the first frames after PLAY).
   */
  private held: Buffer[] | undefined;
  private closed = false;
  /** Why the connection ended early, if it did. */
  failure: Error | undefined;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  static open(host: string, port: number): Promise<BenchRtspClient> {
    return new Promise((resolve, reject) => {
      // Set once connected: nothing is read before.
      let client: BenchRtspClient | undefined;
      const socket = connectReading(host, port, (chunk) => client?.onData(chunk));
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`RTSP connect to ${host}:${port} timed out`));
      }, REQUEST_TIMEOUT_MS);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        client = new BenchRtspClient(socket);
        resolve(client);
      });
    });
  }

  request(method: string, uri: string, headers: Record<string, string> = {}, body = ''): Promise<RtspAnswer> {
    if (this.closed) return Promise.reject(this.failure ?? new Error('closed'));
    if (this.waiting) return Promise.reject(new Error('one request at a time'));
    this.release();
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${++this.cseq}`, 'User-Agent: ts2rtc-bench'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`${method} ${uri}: no answer in ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.waiting = { resolve, reject, timer };
    });
  }

  /** Bytes after the last answer (and from now on) are interleaved frames, given to `handler`. */
  interleave(handler: FrameHandler): void {
    this.onFrame = handler;
    this.release();
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    for (const chunk of held ?? []) this.onData(chunk);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = err;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(err);
    }
  }

  /**
   * Frames and messages in any order: a server may send RTCP (or RTP) before it answers, e.g. an SR that
   * lands between SETUP and the PLAY answer. Frames nobody takes yet are dropped. `chunk` is a view into the
   * connection's read buffer, valid until this returns: whatever is kept is copied.
   */
  private onData(chunk: Buffer): void {
    if (this.held) {
      this.held.push(Buffer.from(chunk));
      return;
    }
    const arrivalNs = nowNs();
    let pos = 0;
    while (pos < chunk.length && !this.closed && !this.held) {
      const rest = this.rest;
      if (rest.length > 0 && rest[0] === 0x24) {
        // A frame split across reads: take exactly what completes it from this chunk.
        const need = rest.length < 4 ? 4 - rest.length : 4 + rest.readUInt16BE(2) - rest.length;
        const take = Math.min(need, chunk.length - pos);
        this.rest = Buffer.concat([rest, chunk.subarray(pos, pos + take)]);
        pos += take;
        const whole = this.rest;
        if (whole.length >= 4 && whole.length === 4 + whole.readUInt16BE(2)) {
          this.rest = EMPTY;
          this.onFrame?.(whole[1] ?? 0, whole, 4, whole.length, arrivalNs);
        }
        continue;
      }
      if (rest.length > 0 || chunk[pos] !== 0x24) {
        // An RTSP message (an answer, or whatever a server says between frames): whole, then skipped or answered.
        pos = this.takeMessage(chunk, pos);
        continue;
      }
      if (chunk.length - pos < 4 || pos + 4 + chunk.readUInt16BE(pos + 2) > chunk.length) {
        this.rest = Buffer.from(chunk.subarray(pos));
        return;
      }
      const end = pos + 4 + chunk.readUInt16BE(pos + 2);
      this.onFrame?.(chunk[pos + 1] ?? 0, chunk, pos + 4, end, arrivalNs);
      pos = end;
    }
  }

  /** Gathers one RTSP message into `rest`; returns where the chunk's unread bytes start. */
  private takeMessage(chunk: Buffer, pos: number): number {
    const all = this.rest.length > 0 ? Buffer.concat([this.rest, chunk.subarray(pos)]) : chunk.subarray(pos);
    this.rest = EMPTY;
    const headerEnd = all.indexOf(HEADER_END);
    if (headerEnd < 0) {
      if (all.length > MAX_MESSAGE) return this.garbage('RTSP message header over 64 KiB');
      this.rest = Buffer.from(all);
      return chunk.length;
    }
    const head = all.toString('latin1', 0, headerEnd);
    const headers = new Map<string, string>();
    const [statusLine = '', ...lines] = head.split('\r\n');
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? 0);
    if (!Number.isInteger(length) || length < 0 || length > MAX_MESSAGE)
      return this.garbage(`bad Content-Length in ${statusLine}`);
    const total = headerEnd + HEADER_END.length + length;
    if (all.length < total) {
      this.rest = Buffer.from(all);
      return chunk.length;
    }
    const match = /^RTSP\/\d\.\d (\d{3})/.exec(statusLine);
    if (match && this.waiting) {
      const waiting = this.waiting;
      this.waiting = undefined;
      clearTimeout(waiting.timer);
      waiting.resolve({
        status: Number(match[1]),
        headers,
        body: all.toString('utf8', headerEnd + HEADER_END.length, total),
      });
    }
    if (match && !this.onFrame) {
      // Frames may follow the PLAY answer in the same read: keep them until the caller says what they are.
      this.held = total < all.length ? [Buffer.from(all.subarray(total))] : [];
      return chunk.length;
    }
    // What follows the message in `all` is the rest of this chunk: go on from there.
    return chunk.length - (all.length - total);
  }

  private garbage(why: string): number {
    this.fail(new Error(why));
    this.socket.destroy();
    return Number.MAX_SAFE_INTEGER;
  }
}
