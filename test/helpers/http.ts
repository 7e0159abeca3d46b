import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { withTimeout } from './wait.js';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json(): unknown;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Talk to a unix socket instead of host:port. */
  socketPath?: string;
  /** Source address of the client socket (to look like a non-loopback client). */
  localAddress?: string;
  timeoutMs?: number;
}

/**
 * A plain node:http request with full control over headers (Host, Origin, Authorization), for answers the
 * test needs byte for byte. Resolves with the whole body; rejects on a socket error or after `timeoutMs`.
 */
export function request(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const promise = new Promise<HttpResponse>((resolve, reject) => {
    const req = httpRequest(
      {
        method: options.method ?? 'GET',
        hostname: options.socketPath ? undefined : target.hostname.replace(/^\[|\]$/g, ''),
        port: options.socketPath ? undefined : target.port,
        socketPath: options.socketPath,
        localAddress: options.localAddress,
        path: target.pathname + target.search,
        headers: { Connection: 'close', ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: () => JSON.parse(text) as unknown,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
  return withTimeout(promise, options.timeoutMs ?? 5000, `${options.method ?? 'GET'} ${url}`);
}
