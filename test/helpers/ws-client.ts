import { WebSocket, type ClientOptions } from 'ws';
import { waitFor, withTimeout } from './wait.js';

export interface TestWsMessage {
  type: string;
  value?: unknown;
}

/**
 * A `/api/ws` client that records what it receives: JSON text frames parsed, binary frames kept as buffers,
 * and the close code. Every wait has a timeout.
 */
export class TestWsClient {
  readonly messages: TestWsMessage[] = [];
  readonly binary: Buffer[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const buffer = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
      if (isBinary) this.binary.push(buffer);
      else this.messages.push(JSON.parse(buffer.toString('utf8')) as TestWsMessage);
    });
    socket.on('close', (code) => {
      this.closeCode = code;
    });
  }

  static async open(url: string, options: ClientOptions = {}, timeoutMs = 5000): Promise<TestWsClient> {
    const socket = new WebSocket(url, options);
    const client = new TestWsClient(socket);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
        socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      }),
      timeoutMs,
      `ws open ${url}`,
    );
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message (after `after` already seen) matching `predicate`. */
  async next(predicate: (m: TestWsMessage) => boolean = () => true, timeoutMs = 5000): Promise<TestWsMessage> {
    return waitFor(() => this.messages.find(predicate), { timeoutMs, what: 'ws message' });
  }

  async closed(timeoutMs = 5000): Promise<number> {
    return waitFor(() => this.closeCode, { timeoutMs, what: 'ws close' });
  }

  close(): void {
    this.socket.close();
  }
}

/** Whether the upgrade is refused, and with which HTTP status. */
export async function upgradeStatus(url: string, options: ClientOptions = {}): Promise<number> {
  const socket = new WebSocket(url, options);
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('error', (err) => {
        if (!String(err.message).includes('Unexpected server response')) reject(err);
      });
    }),
    5000,
    `ws upgrade ${url}`,
  );
}
