import http from 'node:http';
import https from 'node:https';
import { Deadline } from '../../core/deadline.js';
import { digestAuthorization, parseDigestChallenge, type DigestChallenge } from './digest.js';
import { HttpSourceError } from './errors.js';

/**
 * What a source remembers between its requests: the camera's Digest challenge (answered up front on the next
 * request, as browsers do, instead of a 401 round trip every time) and, for a polled snapshot URL, keep-alive
 * agents so each picture does not cost a new connection.
 */
export class HttpSession {
  challenge: DigestChallenge | undefined;
  nc = 0;
  private agents: { http: http.Agent; https: https.Agent } | undefined;

  constructor(private readonly keepAlive = false) {}

  agent(protocol: string, verifyTls: boolean): http.Agent | false {
    if (!this.keepAlive) return false;
    this.agents ??= {
      http: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: verifyTls }),
    };
    return protocol === 'https:' ? this.agents.https : this.agents.http;
  }

  close(): void {
    this.agents?.http.destroy();
    this.agents?.https.destroy();
    this.agents = undefined;
  }
}

export interface HttpTarget {
  /** The URL to GET (scheme http or https; `httpx` is already turned into https without verification). */
  readonly url: URL;
  /** TLS certificate check; false for go2rtc's `httpx://`. */
  readonly verifyTls: boolean;
  /** Extra request headers (go2rtc's `#header=Key: Value`). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Digest state and connections shared by this source's requests; a fresh one per request when absent. */
  readonly session?: HttpSession;
}

export interface OpenedResponse {
  readonly response: http.IncomingMessage;
  /** The URL that answered (after redirects). */
  readonly url: URL;
  /** Ends the request and its socket. */
  close(): void;
}

/** How long to wait for the response headers (a camera that accepts and never answers). */
export const HEADERS_TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 5;

/**
 * One GET, following up to 5 redirects within http/https (Go's client does so for go2rtc), answering once the
 * headers are in. The body is left unread (paused) for the caller. Anything but 200 is HTTP_STATUS.
 */
export async function openHttp(target: HttpTarget, signal?: AbortSignal): Promise<OpenedResponse> {
  let url = target.url;
  const session = target.session ?? new HttpSession();
  let challenged = false;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const opened = await getOnce(url, target, session, signal);
    const status = opened.response.statusCode ?? 0;
    // Digest: answer the camera's challenge once per request (a stale nonce gives a new challenge).
    const challenge =
      status === 401 && url.username && !challenged
        ? parseDigestChallenge(opened.response.headers['www-authenticate'])
        : undefined;
    if (challenge) {
      opened.close();
      session.challenge = challenge;
      session.nc = 0;
      challenged = true;
      hop--;
      continue;
    }
    const location = opened.response.headers.location;
    if (status >= 300 && status < 400 && location) {
      opened.close();
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new HttpSourceError('HTTP_REDIRECT_INVALID', `redirect to ${next.protocol} refused`);
      }
      // Credentials in the URL stay with the host they were written for.
      if (next.host === url.host && !next.username) {
        next.username = url.username;
        next.password = url.password;
      }
      url = next;
      continue;
    }
    if (status !== 200) {
      opened.close();
      throw new HttpSourceError('HTTP_STATUS', `${status} ${opened.response.statusMessage ?? ''}`.trim());
    }
    return opened;
  }
  throw new HttpSourceError('HTTP_REDIRECT_INVALID', `more than ${MAX_REDIRECTS} redirects`);
}

function getOnce(
  url: URL,
  target: HttpTarget,
  session: HttpSession,
  signal: AbortSignal | undefined,
): Promise<OpenedResponse> {
  return new Promise<OpenedResponse>((resolve, reject) => {
    const headers: Record<string, string> = { 'User-Agent': 'ts2rtc' };
    for (const [key, value] of target.headers) headers[key] = value;
    const username = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const digest = username && session.challenge;
    if (digest)
      headers.Authorization = digestAuthorization(digest, {
        method: 'GET',
        uri: `${url.pathname}${url.search}`,
        username,
        password,
        nc: ++session.nc,
      });
    const options: https.RequestOptions = {
      method: 'GET',
      headers,
      // A stream holds its own connection for as long as it plays; a polled snapshot reuses one (session).
      agent: session.agent(url.protocol, target.verifyTls),
      // Basic auth from the URL, unless the camera asked for Digest.
      ...(username && !digest ? { auth: `${username}:${password}` } : {}),
      ...(url.protocol === 'https:' ? { rejectUnauthorized: target.verifyTls } : {}),
      ...(signal ? { signal } : {}),
    };
    const plain = new URL(url.href);
    plain.username = '';
    plain.password = '';
    const request = (url.protocol === 'https:' ? https : http).request(plain, options);
    const deadline = new Deadline(() => {
      request.destroy(new HttpSourceError('HTTP_CONNECT', `no answer within ${HEADERS_TIMEOUT_MS} ms`));
    });
    deadline.arm(HEADERS_TIMEOUT_MS);
    request.once('response', (response) => {
      deadline.clear();
      response.pause();
      resolve({ response, url, close: () => request.destroy() });
    });
    request.once('error', (err) => {
      deadline.clear();
      reject(err instanceof HttpSourceError ? err : new HttpSourceError('HTTP_CONNECT', err.message, { cause: err }));
    });
    request.end();
  });
}

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export async function readAll(response: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  response.resume();
  for await (const chunk of response) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      response.destroy();
      throw new HttpSourceError('HTTP_FORMAT_UNSUPPORTED', `body larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Reads the first `count` bytes (or fewer if the body ends), leaving the rest unread; returns them. */
export function readHead(response: http.IncomingMessage, count: number, timeoutMs: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let got = Buffer.alloc(0);
    const done = (): void => {
      clearTimeout(timer);
      response.off('data', onData);
      response.off('end', onEnd);
      response.off('error', onError);
      response.pause();
    };
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= count) {
        done();
        resolve(got);
      }
    };
    const onEnd = (): void => {
      done();
      resolve(got);
    };
    const onError = (err: Error): void => {
      done();
      reject(new HttpSourceError('HTTP_ENDED', err.message, { cause: err }));
    };
    const timer = setTimeout(() => {
      done();
      resolve(got);
    }, timeoutMs);
    response.on('data', onData);
    response.once('end', onEnd);
    response.once('error', onError);
    response.resume();
  });
}
