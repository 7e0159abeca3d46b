import net from 'node:net';
import { Event } from '../../core/event.js';
import { HapError } from './errors.js';
import { FrameOpener, FrameSealer } from './frame.js';
import { encodeRequest, HapMessageReader, type HapMessage } from './http.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

interface Pending {
  readonly resolve: (message: HapMessage) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One TCP connection to an accessory: HTTP requests in order (HAP allows one outstanding request), plain until
 * `encrypt()` (after pair-verify), then every byte in session frames. EVENT/1.0 messages go to `onEvent`.
 * The first failure (socket error, bad frame, bad HTTP) closes the connection and rejects every waiter.
 */
export class HapConnection {
  readonly onEvent = new Event<[HapMessage]>();
  /** Fires once, with the reason (undefined after `close()`). */
  readonly onClose = new Event<[Error | undefined]>();
  private readonly reader = new HapMessageReader();
  private sealer: FrameSealer | undefined;
  private opener: FrameOpener | undefined;
  private readonly waiting: Pending[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private closedWith: Error | undefined | null = null;

  private constructor(
    private readonly socket: net.Socket,
    readonly host: string,
    readonly port: number,
    private readonly timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) =>
      this.fail(new HapError('HAP_CONNECTION_CLOSED', `${this.where}: ${err.message}`, { cause: err })),
    );
    socket.on('close', () =>
      this.fail(new HapError('HAP_CONNECTION_CLOSED', `${this.where}: the accessory closed the connection`)),
    );
  }

  static connect(host: string, port: number, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<HapConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new HapError('HAP_TIMEOUT', `${host}:${port}: no TCP connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new HapConnection(socket, host, port, timeoutMs));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new HapError('HAP_CONNECTION_CLOSED', `${host}:${port}: ${err.message}`, { cause: err }));
      });
    });
  }

  get where(): string {
    return `${this.host}:${this.port}`;
  }

  /** Our address on this connection: where the accessory can reach us (SRTP goes there). */
  get localAddress(): string {
    return this.socket.localAddress ?? '127.0.0.1';
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** From now on every byte is in session frames (the keys come from pair-verify). */
  encrypt(writeKey: Buffer, readKey: Buffer): void {
    this.sealer = new FrameSealer(writeKey);
    this.opener = new FrameOpener(readKey);
  }

  /** Sends one request once the previous one was answered; HAP_HTTP_STATUS is not thrown here (see `expectOk`). */
  request(method: string, path: string, body?: Buffer, contentType?: string): Promise<HapMessage> {
    const run = (): Promise<HapMessage> =>
      new Promise<HapMessage>((resolve, reject) => {
        if (this.closedWith !== null) {
          reject(this.closedWith ?? new HapError('HAP_CONNECTION_CLOSED', `${this.where}: closed`));
          return;
        }
        const timer = setTimeout(() => {
          this.fail(
            new HapError('HAP_TIMEOUT', `${this.where}: no answer to ${method} ${path} within ${this.timeoutMs} ms`),
          );
        }, this.timeoutMs);
        this.waiting.push({ resolve, reject, timer });
        const bytes = encodeRequest(method, path, this.where, body, contentType);
        this.socket.write(this.sealer ? this.sealer.seal(bytes) : bytes);
      });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.fail(undefined);
  }

  private onData(chunk: Buffer): void {
    if (this.closedWith !== null) return;
    try {
      const plain = this.opener ? this.opener.push(chunk) : [chunk];
      for (const part of plain) {
        for (const message of this.reader.push(part)) this.dispatch(message);
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private dispatch(message: HapMessage): void {
    if (message.protocol === 'EVENT/1.0') {
      this.onEvent.emit(message);
      return;
    }
    const pending = this.waiting.shift();
    if (!pending) return; // an answer nobody asked for: ignore
    clearTimeout(pending.timer);
    pending.resolve(message);
  }

  private fail(reason: Error | undefined): void {
    if (this.closedWith !== null) return;
    this.closedWith = reason;
    this.socket.destroy();
    const closedError = reason ?? new HapError('HAP_CONNECTION_CLOSED', `${this.where}: closed`);
    for (const pending of this.waiting.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(closedError);
    }
    this.onClose.emit(reason);
    this.onEvent.clear();
  }
}

/** The body of a 2xx answer, else HAP_HTTP_STATUS with the status and the start of the body. */
export function expectOk(message: HapMessage, what: string): Buffer {
  if (message.status >= 200 && message.status < 300) return message.body;
  throw new HapError(
    'HAP_HTTP_STATUS',
    `${what}: HTTP ${message.status} ${message.body.toString('utf8').slice(0, 200)}`,
  );
}
