import http from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * fake_supervisor: the part of the Home Assistant Supervisor API an add-on uses for discovery, protocol-faithful
 * to supervisor/api (`Authorization: Bearer <SUPERVISOR_TOKEN>`, answers `{"result":"ok","data":...}` or
 * `{"result":"error","message":...}`): `GET /addons/self/info` (hostname, name), `POST /discovery`
 * (`{"service","config"}` → `{"uuid"}`), `DELETE /discovery/<uuid>`. A fake because no Supervisor can run here.
 */
export interface FakeSupervisor {
  readonly url: string;
  readonly token: string;
  /** Discovery messages currently registered, by uuid. */
  readonly discoveries: Map<string, { service: string; config: Record<string, unknown> }>;
  /** Every request as `METHOD path` (status). */
  readonly calls: string[];
  stop(): Promise<void>;
}

export async function startFakeSupervisor(
  options: { token?: string; hostname?: string } = {},
): Promise<FakeSupervisor> {
  const token = options.token ?? 'fake-supervisor-token';
  const discoveries = new Map<string, { service: string; config: Record<string, unknown> }>();
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const send = (status: number, json: unknown): void => {
        calls.push(`${req.method} ${req.url} ${status}`);
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${token}`)
        return send(401, { result: 'error', message: 'Unauthorized' });
      if (req.method === 'GET' && req.url === '/addons/self/info') {
        return send(200, {
          result: 'ok',
          data: {
            name: 'ts2rtc',
            slug: 'local_ts2rtc',
            hostname: options.hostname ?? 'local-ts2rtc',
            state: 'started',
          },
        });
      }
      if (req.method === 'POST' && req.url === '/discovery') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          return send(400, { result: 'error', message: 'invalid JSON' });
        }
        const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
        if (typeof record.service !== 'string' || typeof record.config !== 'object' || record.config === null) {
          return send(400, { result: 'error', message: 'service and config are required' });
        }
        const uuid = randomUUID().replace(/-/g, '');
        discoveries.set(uuid, { service: record.service, config: record.config as Record<string, unknown> });
        return send(200, { result: 'ok', data: { uuid } });
      }
      const del = /^\/discovery\/([0-9a-f]+)$/.exec(req.url ?? '');
      if (req.method === 'DELETE' && del?.[1]) {
        if (!discoveries.delete(del[1])) return send(400, { result: 'error', message: 'Discovery message not found' });
        return send(200, { result: 'ok', data: {} });
      }
      return send(404, { result: 'error', message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    discoveries,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
