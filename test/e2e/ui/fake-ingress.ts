import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * fake-ingress: a STAND-IN for Home Assistant's Ingress gateway (the Supervisor's proxy), because no
 * Supervisor runs here. It does what the real one does to a request for the add-on's panel, on 127.0.0.1:
 * - serves the add-on under `/api/hassio_ingress/<token>/`, strips that prefix before passing the request on;
 * - passes the browser's `Host` through (so the add-on sees the browser's host, as the cross-site check
 *   expects) and adds `X-Ingress-Path: /api/hassio_ingress/<token>`;
 * - proxies WebSocket upgrades (the player's `api/ws`) byte for byte;
 * - answers 404 for anything outside the prefix (Home Assistant's own pages are not here).
 * Requests are counted so a test can tell that the pages really went through it.
 */
export interface FakeIngress {
  /** `http://<host>:PORT/api/hassio_ingress/<token>/` */
  readonly url: string;
  readonly prefix: string;
  readonly port: number;
  /** Paths (after stripping) that were proxied. */
  readonly proxied: string[];
  close(): Promise<void>;
}

export async function startFakeIngress(
  upstreamPort: number,
  opts: { token?: string; host?: string } = {},
): Promise<FakeIngress> {
  const prefix = `/api/hassio_ingress/${opts.token ?? 'fake-token-0123456789abcdef'}`;
  const proxied: string[] = [];
  const sockets = new Set<Duplex>();

  const strip = (url: string | undefined): string | undefined => {
    if (!url || !(url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`))) return undefined;
    const rest = url.slice(prefix.length);
    return rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
  };

  const server: Server = createServer((req, res) => {
    const path = strip(req.url);
    if (path === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not an ingress path\n');
      return;
    }
    proxied.push(path);
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path,
        headers: { ...req.headers, 'x-ingress-path': prefix },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fake-ingress: ${err.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const path = strip(req.url);
    if (path === undefined) {
      client.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    proxied.push(path);
    const upstream: Socket = connect(upstreamPort, '127.0.0.1', () => {
      const headers = { ...req.headers, 'x-ingress-path': prefix };
      let text = `${req.method} ${path} HTTP/1.1\r\n`;
      for (const [key, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) text += `${key}: ${v}\r\n`;
      }
      upstream.write(`${text}\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(client);
    sockets.add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close);
    client.on('error', close);
    upstream.on('close', close);
    client.on('close', () => {
      sockets.delete(client);
      close();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}${prefix}/`,
    prefix,
    port,
    proxied,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
