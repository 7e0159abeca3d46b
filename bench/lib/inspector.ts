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
  // One listener for the session: each answer is parsed once and goes to the call waiting for its id.
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  ws.on('message', (data: Buffer) => {
    const message: unknown = JSON.parse(data.toString());
    if (typeof message !== 'object' || message === null) return;
    const mine: unknown = Reflect.get(message, 'id');
    const call = typeof mine === 'number' ? waiting.get(mine) : undefined;
    if (!call) return;
    waiting.delete(mine as number);
    const error: unknown = Reflect.get(message, 'error');
    if (error) call.reject(new Error(JSON.stringify(error)));
    else call.resolve(Reflect.get(message, 'result'));
  });
  return {
    call: (method, params = {}, timeoutMs = 10_000) => {
      const mine = ++id;
      const answer = new Promise<unknown>((resolve, reject) => {
        waiting.set(mine, { resolve, reject: (err) => reject(new Error(`${method}: ${err.message}`)) });
        ws.send(JSON.stringify({ id: mine, method, params }));
      });
      return withTimeout(answer, timeoutMs, method).finally(() => waiting.delete(mine));
    },
    close: () => ws.terminate(),
  };
}
