/**
 * The smallest WebSocket client that serves the MSE bench (RFC 6455, client side): the upgrade, masked text
 * messages out, and for each binary message in only its first bytes and its length. Reads go into one buffer
 * per connection (`read-buffer.ts`) and nothing of a message is kept past PREFIX_BYTES, so 50 clients taking
 * in ~25 MB/s make almost no garbage (`ws` makes a Buffer per read and joins each message).
 * Not the project's pkg/websocket on purpose: the bench should not measure ts2rtc with ts2rtc.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { nowNs } from '../rtsp/stamp.js';
import { connectReading } from './read-buffer.js';

/** Bytes of each binary message handed out: an fMP4 fragment's moof and the start of its mdat. */
export const PREFIX_BYTES = 4096;
const MAX_HEAD = 16 * 1024;
const CONTROL_MAX = 125;
const EMPTY = Buffer.alloc(0);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/**
 * A binary message is complete: `prefix` holds its first `min(length, PREFIX_BYTES)` bytes (valid until this
 * returns), `arrivalNs` is when the read that completed it began.
 */
export type BinaryHandler = (prefix: Buffer, length: number, arrivalNs: number) => void;

export class BenchWsClient {
  /** Why the connection ended early, if it did. */
  failure: Error | undefined;
  private closed = false;
  private upgraded = false;
  private head = '';
  /** A frame header split across reads (at most 14 bytes). */
  private header = EMPTY;
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  private opcode = 0;
  /** Opcode of the message the current frame belongs to (continuations take their first frame's). */
  private messageOpcode = 0;
  private final = false;
  private messageLength = 0;
  private readonly prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  private prefixLength = 0;
  /** A control frame's payload (a ping's is sent back in the pong). */
  private readonly control = Buffer.allocUnsafe(CONTROL_MAX);
  private controlLength = 0;
  private upgrade: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private readonly socket: Socket;

  private constructor(
    host: string,
    port: number,
    private readonly onBinary: BinaryHandler,
    private readonly expectedAccept: string,
  ) {
    this.socket = connectReading(host, port, (chunk) => this.onData(chunk, nowNs()));
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('WebSocket closed by the server')));
  }

  /**
   * Connects to `url` (`ws://host:port/path?query`) and resolves once the server switched protocols; rejects
   * (and closes the socket) when that takes over `timeoutMs`.
   */
  static open(url: string, onBinary: BinaryHandler, timeoutMs = 10_000): Promise<BenchWsClient> {
    const parsed = new URL(url);
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const client = new BenchWsClient(parsed.hostname, Number(parsed.port), onBinary, accept);
    const socket = client.socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => client.fail(new Error(`ws open ${url}: no upgrade in ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.upgrade = {
        resolve: () => {
          clearTimeout(timer);
          resolve(client);
        },
        reject: (err) => {
          clearTimeout(timer);
          socket.destroy();
          reject(err);
        },
      };
      socket.once('connect', () =>
        socket.write(
          `GET ${parsed.pathname}${parsed.search} HTTP/1.1\r\nHost: ${parsed.host}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        ),
      );
    });
  }

  /** One masked text message (clients must mask, RFC 6455 5.3). */
  sendText(text: string): void {
    this.sendFrame(OP_TEXT, Buffer.from(text));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private sendFrame(opcode: number, payload: Buffer): void {
    if (this.closed) return;
    const length = payload.length;
    const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
    const frame = Buffer.allocUnsafe(2 + extended + 4 + length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | (extended === 0 ? length : extended === 2 ? 126 : 127);
    if (extended === 2) frame.writeUInt16BE(length, 2);
    if (extended === 8) frame.writeBigUInt64BE(BigInt(length), 2);
    const maskAt = 2 + extended;
    randomBytes(4).copy(frame, maskAt);
    for (let i = 0; i < length; i++) frame[maskAt + 4 + i] = (payload[i] ?? 0) ^ (frame[maskAt + (i & 3)] ?? 0);
    this.socket.write(frame);
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = err;
    this.upgrade?.reject(err);
    this.upgrade = undefined;
  }

  /** `chunk` is a view into the connection's read buffer, valid until this returns. */
  private onData(chunk: Buffer, arrivalNs: number): void {
    let pos = 0;
    if (!this.upgraded) {
      pos = this.takeHead(chunk);
      if (!this.upgraded) return;
    }
    while (pos < chunk.length && !this.closed) {
      if (this.remaining === 0) {
        pos = this.takeHeader(chunk, pos, arrivalNs);
        if (pos < 0) return;
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - pos);
      this.payload(chunk, pos, take);
      pos += take;
      this.remaining -= take;
      if (this.remaining === 0) this.frameEnd(arrivalNs);
    }
  }

  /** The HTTP answer to the upgrade; returns where the frames start in `chunk`. */
  private takeHead(chunk: Buffer): number {
    const text = chunk.toString('latin1');
    const all = this.head + text;
    const end = all.indexOf('\r\n\r\n');
    if (end < 0) {
      if (all.length > MAX_HEAD) this.fail(new Error('WebSocket upgrade answer over 16 KiB'));
      else this.head = all;
      return chunk.length;
    }
    const head = all.slice(0, end);
    this.head = '';
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
    const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
    if (status !== '101') {
      this.fail(new Error(`ws upgrade refused: ${status ?? head.split('\r\n')[0]}`));
      return chunk.length;
    }
    if (accept !== this.expectedAccept) {
      this.fail(new Error('ws upgrade: wrong Sec-WebSocket-Accept'));
      return chunk.length;
    }
    this.upgraded = true;
    const upgrade = this.upgrade;
    this.upgrade = undefined;
    upgrade?.resolve();
    // The answer's bytes in this chunk: what was held from earlier reads did not come from it.
    return end + 4 - (all.length - text.length);
  }

  /**
   * Reads the frame header at `pos` (joining one split across reads); returns where its payload starts in
   * `chunk`, or -1 when the chunk ended inside the header or the frame is not one a server may send.
   */
  private takeHeader(chunk: Buffer, pos: number, arrivalNs: number): number {
    const held = this.header.length;
    // The usual case reads the header in place; only one split across reads is joined (a copy of <= 14 bytes).
    const src = held === 0 ? chunk : Buffer.concat([this.header, chunk.subarray(pos, pos + 14)]);
    const at = held === 0 ? pos : 0;
    const available = src.length - at;
    if (available < 2) return this.holdHeader(src, at);
    const b0 = src[at] ?? 0;
    const b1 = src[at + 1] ?? 0;
    if ((b1 & 0x80) !== 0) {
      this.fail(new Error('masked frame from the server'));
      return -1;
    }
    const short = b1 & 0x7f;
    const size = 2 + (short === 126 ? 2 : short === 127 ? 8 : 0);
    if (available < size) return this.holdHeader(src, at);
    this.header = EMPTY;
    this.final = (b0 & 0x80) !== 0;
    this.opcode = b0 & 0x0f;
    this.remaining =
      short === 126 ? src.readUInt16BE(at + 2) : short === 127 ? Number(src.readBigUInt64BE(at + 2)) : short;
    if (this.opcode >= OP_CLOSE) {
      if (this.remaining > CONTROL_MAX) {
        this.fail(new Error('control frame over 125 bytes'));
        return -1;
      }
      this.controlLength = 0;
    } else if (this.opcode !== OP_CONTINUATION) {
      this.messageOpcode = this.opcode;
      this.messageLength = 0;
      this.prefixLength = 0;
    }
    if (this.remaining === 0) this.frameEnd(arrivalNs);
    return pos + size - held;
  }

  private holdHeader(src: Buffer, at: number): number {
    this.header = Buffer.from(src.subarray(at));
    return -1;
  }

  private payload(chunk: Buffer, pos: number, take: number): void {
    if (this.opcode >= OP_CLOSE) {
      chunk.copy(this.control, this.controlLength, pos, pos + take);
      this.controlLength += take;
      return;
    }
    this.messageLength += take;
    if (this.messageOpcode === OP_BINARY && this.prefixLength < PREFIX_BYTES) {
      const copy = Math.min(take, PREFIX_BYTES - this.prefixLength);
      chunk.copy(this.prefix, this.prefixLength, pos, pos + copy);
      this.prefixLength += copy;
    }
  }

  private frameEnd(arrivalNs: number): void {
    if (this.opcode === OP_CLOSE) {
      this.fail(new Error('WebSocket closed by the server'));
      return;
    }
    if (this.opcode === OP_PING) {
      this.sendFrame(OP_PONG, this.control.subarray(0, this.controlLength));
      return;
    }
    if (this.opcode === OP_PONG || !this.final) return;
    if (this.messageOpcode === OP_BINARY)
      this.onBinary(this.prefix.subarray(0, this.prefixLength), this.messageLength, arrivalNs);
  }
}
