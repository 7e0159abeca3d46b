/**
 * A DevTools protocol session with a child Node process started with `--inspect` (ts2rtc under bench):
 * one WebSocket, requests matched to answers by id. The benches force a full GC through it before reading
 * memory (rtsp/servers.ts) and sample allocations (alloc.ts).
 */
import { WebSocket } from 'ws';
import { withTimeout } from '../../test/helpers/wait.js';

export interface InspectorSession {
  /** One protocol method; its `result`, or an Error with the protocol's error. */
  call(method: string, params?: object, timeoutMs?: number): Promise<unknown>;
  close(): void;
}

export async function openInspector(url: string): Promise<InspectorSession> {
  const ws = new WebSocket(url);
  try {
    await withTimeout(
      new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject)),
      5000,
      'inspector connect',
    );
  } catch (err) {
    ws.terminate();
    throw err;
  }
  let id = 0;
  return {
    call: (method, params = {}, timeoutMs = 10_000) =>
      withTimeout(
        new Promise((resolve, reject) => {
          const mine = ++id;
          const onMessage = (data: Buffer): void => {
            const message: unknown = JSON.parse(data.toString());
            if (typeof message !== 'object' || message === null || Reflect.get(message, 'id') !== mine) return;
            ws.off('message', onMessage);
            const error: unknown = Reflect.get(message, 'error');
            if (error) reject(new Error(`${method}: ${JSON.stringify(error)}`));
            else resolve(Reflect.get(message, 'result'));
          };
          ws.on('message', onMessage);
          ws.send(JSON.stringify({ id: mine, method, params }));
        }),
        timeoutMs,
        method,
      ),
    close: () => ws.terminate(),
  };
}
