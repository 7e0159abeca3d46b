import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * fake-ha-websocket: Home Assistant's WebSocket API as far as camera entities need it, protocol-faithful to
 * homeassistant/components/websocket_api (a fake because the node tests cannot run Home Assistant; the
 * Python tests use the real one): `auth_required` → `auth` → `auth_ok` / `auth_invalid`, then commands with
 * `id`, answered `{"id","type":"result","success",...}`. `camera/stream` gives a fresh
 * `/api/hls/<token>/master_playlist.m3u8` per call (as Home Assistant's stream tokens), and GETs under
 * `/api/hls/<token>/` are served from the camera's HLS folder (`hlsBase`), as Home Assistant's HLS view does.
 * Listens at `/api/websocket` (standalone) and `/core/websocket` (the Supervisor's proxy).
 */
export interface FakeHomeAssistant {
  readonly url: string;
  readonly token: string;
  /** `camera/stream` requests, by entity. */
  readonly streamRequests: string[];
  /** Tokens handed out, in order. */
  readonly hlsTokens: string[];
  stop(): Promise<void>;
}

export async function startFakeHomeAssistant(options: {
  token: string;
  cameras: readonly string[];
  hlsBase: string;
  /** What `camera/stream` answers as the URL instead of a fresh HLS playlist (a hostile or broken Home Assistant). */
  streamUrl?: (entityId: string) => string;
}): Promise<FakeHomeAssistant> {
  const streamRequests: string[] = [];
  const hlsTokens: string[] = [];
  const sockets = new Set<WebSocket>();
  const server = http.createServer((req, res) => {
    const match = /^\/api\/hls\/([0-9a-f]+)\/(.+)$/.exec(req.url ?? '');
    if (!match || !hlsTokens.includes(match[1] ?? '')) {
      res.writeHead(404).end();
      return;
    }
    const file = match[2] === 'master_playlist.m3u8' ? 'index.m3u8' : (match[2] ?? '');
    http
      .get(`${options.hlsBase}/${file}`, (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, {
          'Content-Type': upstream.headers['content-type'] ?? 'application/octet-stream',
        });
        upstream.pipe(res);
      })
      .on('error', () => res.writeHead(502).end());
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== '/api/websocket' && req.url !== '/core/websocket') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });
  const serve = (ws: WebSocket): void => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    let authed = false;
    const send = (message: unknown): void => ws.send(JSON.stringify(message));
    send({ type: 'auth_required', ha_version: '2025.4.4' });
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        type?: string;
        id?: number;
        access_token?: string;
        entity_id?: string;
        format?: string;
      };
      if (!authed) {
        if (message.type === 'auth' && message.access_token === options.token) {
          authed = true;
          send({ type: 'auth_ok', ha_version: '2025.4.4' });
        } else {
          send({ type: 'auth_invalid', message: 'Invalid access token or password' });
          ws.close();
        }
        return;
      }
      const id = message.id;
      if (message.type === 'camera/stream') {
        streamRequests.push(message.entity_id ?? '');
        if (!options.cameras.includes(message.entity_id ?? '')) {
          send({
            id,
            type: 'result',
            success: false,
            error: { code: 'home_assistant_error', message: `Camera not found: ${message.entity_id}` },
          });
          return;
        }
        if (options.streamUrl) {
          send({ id, type: 'result', success: true, result: { url: options.streamUrl(message.entity_id ?? '') } });
          return;
        }
        const token = Math.random().toString(16).slice(2, 18).padEnd(16, '0');
        hlsTokens.push(token);
        send({ id, type: 'result', success: true, result: { url: `/api/hls/${token}/master_playlist.m3u8` } });
        return;
      }
      if (message.type === 'ping') {
        send({ id, type: 'pong' });
        return;
      }
      // supported_features and anything else the client sends on connect: accepted.
      send({ id, type: 'result', success: true, result: null });
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    streamRequests,
    hlsTokens,
    async stop() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
