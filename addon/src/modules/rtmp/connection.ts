import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';
import { Event } from '../../core/event.js';
import {
  AckCounter,
  ChunkReader,
  ChunkWriter,
  ClientHandshake,
  MessageType,
  ServerHandshake,
  UserControlEvent,
  acknowledgement,
  parseUserControl,
  setChunkSize,
  userControl,
  type OutgoingMessage,
  type RtmpMessage,
} from '../../pkg/rtmp/index.js';
import { RtmpModuleError } from './errors.js';

/** What we send: big enough that a video frame is a few chunks, small enough for any peer (nginx uses 4096). */
export const OUR_CHUNK_SIZE = 4096;
/** Window we ask the peer to acknowledge (what nginx and ffmpeg announce). */
export const OUR_WINDOW = 2_500_000;

export type HandshakeRole = 'client' | 'server';

/**
 * Runs the handshake on a connected socket. Rejects with RTMP_TIMEOUT when the peer stalls (naming the
 * packet it owes), RTMP_HANDSHAKE for garbage, RTMP_CLOSED when it hangs up; on rejection the socket is
 * destroyed and no listener or timer is left behind.
 */
export function handshake(socket: Socket, role: HandshakeRole, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const random = randomBytes(1528);
    const machine = role === 'client' ? new ClientHandshake(random) : new ServerHandshake(random);
    let settled = false;
    const finish = (err: Error | undefined, rest?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(rest ?? Buffer.alloc(0));
    };
    const waiting = (): string => (machine instanceof ServerHandshake ? machine.waitingFor : 'S0+S1+S2');
    const timer = setTimeout(
      () =>
        finish(new RtmpModuleError('RTMP_TIMEOUT', `handshake: no ${waiting()} from the peer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      try {
        const step = machine.push(chunk);
        if (step.send) socket.write(step.send);
        if (step.done) finish(undefined, step.rest);
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onError = (err: Error): void => finish(new RtmpModuleError('RTMP_CLOSED', `handshake: ${err.message}`));
    const onClose = (): void =>
      finish(
        new RtmpModuleError(
          'RTMP_CLOSED',
          `handshake: the peer closed the connection while we waited for ${waiting()}`,
        ),
      );
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    if (machine instanceof ClientHandshake) socket.write(machine.hello());
  });
}

/**
 * One RTMP connection after the handshake: chunks in and out, the protocol control messages (chunk size,
 * window acknowledgement, ping) handled here, everything else handed to `onMessage`.
 */
export class RtmpConnection {
  readonly onMessage = new Event<[RtmpMessage]>();
  /** Fires once: undefined when we closed it, an error when the peer or the wire failed. */
  readonly onClose = new Event<[Error | undefined]>();
  readonly onDrain = new Event<[]>();
  bytesRecv = 0;
  bytesSend = 0;
  readonly remoteAddr: string;
  private readonly reader = new ChunkReader();
  private readonly writer = new ChunkWriter();
  private readonly ack = new AckCounter();
  private closed = false;

  constructor(
    readonly socket: Socket,
    private readonly log: Logger,
    rest: Buffer,
  ) {
    this.remoteAddr = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.onDrain.emit());
    socket.on('error', (err) => this.close(new RtmpModuleError('RTMP_CLOSED', `${this.remoteAddr}: ${err.message}`)));
    socket.on('close', () =>
      this.close(new RtmpModuleError('RTMP_CLOSED', `${this.remoteAddr} closed the connection`)),
    );
    this.send(setChunkSize(OUR_CHUNK_SIZE));
    this.writer.chunkSize = OUR_CHUNK_SIZE;
    if (rest.length > 0) setImmediate(() => this.receive(rest));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes one message; false when the socket's buffer is full (wait for `onDrain`). */
  send(message: OutgoingMessage): boolean {
    if (this.closed) return false;
    const bytes = Buffer.concat(this.writer.write(message.csid, message));
    this.bytesSend += bytes.length;
    return this.socket.write(bytes);
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    if (error) this.log.debug({ remote: this.remoteAddr, err: errorMessage(error) }, 'rtmp: connection closed');
    this.onClose.emit(error);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.bytesRecv += chunk.length;
    const due = this.ack.count(chunk.length);
    if (due !== undefined) this.send(acknowledgement(due));
    let messages: RtmpMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      this.close(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    for (const message of messages) {
      if (this.closed) return;
      if (this.control(message)) continue;
      try {
        this.onMessage.emit(message);
      } catch (err) {
        this.close(err instanceof Error ? err : new Error(String(err)));
        return;
      }
    }
  }

  /** Protocol control; true when the message was only that. */
  private control(message: RtmpMessage): boolean {
    switch (message.type) {
      case MessageType.SetChunkSize:
      case MessageType.Abort:
      case MessageType.Acknowledgement:
      case MessageType.SetPeerBandwidth:
        return true;
      case MessageType.WindowAckSize:
        if (message.payload.length >= 4) this.ack.window = message.payload.readUInt32BE(0);
        return true;
      case MessageType.UserControl: {
        const event = parseUserControl(message.payload);
        if (event?.event === UserControlEvent.PingRequest)
          this.send(userControl(UserControlEvent.PingResponse, event.value));
        // StreamBegin/EOF and the rest matter to the session through onStatus, not here.
        return true;
      }
      default:
        return false;
    }
  }
}
