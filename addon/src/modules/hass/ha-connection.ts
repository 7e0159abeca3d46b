import { createConnection, ERR_INVALID_AUTH, type Connection, type HaWebSocket } from 'home-assistant-js-websocket';
import WebSocket from 'ws';
import type { HassApiAccess } from './entities.js';

export { ERR_INVALID_AUTH, type Connection };

const AUTH_TIMEOUT_MS = 10_000;

/**
 * Opens Home Assistant's WebSocket and runs its auth handshake (`auth_required` → `auth` → `auth_ok`), the
 * part home-assistant-js-websocket leaves to `createSocket` outside a browser. Rejects with the library's
 * ERR_INVALID_AUTH on `auth_invalid`, so its connection does not retry a wrong token.
 */
function openSocket(access: HassApiAccess): Promise<HaWebSocket> {
  return new Promise<HaWebSocket>((resolve, reject) => {
    const socket = new WebSocket(access.wsUrl, { handshakeTimeout: AUTH_TIMEOUT_MS });
    const timer = setTimeout(() => fail(new Error('no auth_ok within 10 s')), AUTH_TIMEOUT_MS);
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('closed during auth')));
    socket.on('message', (data) => {
      let message: { type?: string; ha_version?: string; message?: string };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch (err) {
        fail(err);
        return;
      }
      if (message.type === 'auth_required') {
        socket.send(JSON.stringify({ type: 'auth', access_token: access.token }));
      } else if (message.type === 'auth_invalid') {
        fail(ERR_INVALID_AUTH);
      } else if (message.type === 'auth_ok') {
        clearTimeout(timer);
        socket.removeAllListeners();
        // The library is typed for the browser's WebSocket; it uses only what `ws` has as well (send, close,
        // readyState/OPEN, addEventListener for message and close), and Node 20 has no global WebSocket.
        resolve(Object.assign(socket, { haVersion: message.ha_version ?? '' }) as unknown as HaWebSocket);
      }
    });
  });
}

/** Home Assistant's WebSocket API through home-assistant-js-websocket, which keeps it up and re-authenticates. */
export function connectHass(access: HassApiAccess): Promise<Connection> {
  return createConnection({ createSocket: () => openSocket(access) });
}
