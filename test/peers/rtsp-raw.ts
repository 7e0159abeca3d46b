import { connect } from 'node:net';
import { PeerError } from './errors.js';

/**
 * One RTSP request over a fresh TCP connection, written by hand: for tests that must control the exact
 * request (a `Require` header, a missing `Accept`) or read the exact answer (status, headers, SDP).
 */

export interface RtspResponse {
  status: number;
  reason: string;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
  /** The whole answer as received, for messages. */
  raw: string;
}

const MAX_RESPONSE = 256 * 1024;

/** Parses one RTSP response from `data`; undefined while incomplete. Throws PEER_OUTPUT on garbage. */
export function parseRtspResponse(data: Buffer): RtspResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const head = data.subarray(0, end).toString('latin1');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = /^RTSP\/1\.0 (\d{3}) ?(.*)$/.exec(statusLine);
  if (!status?.[1])
    throw new PeerError('PEER_OUTPUT', `not an RTSP response: ${JSON.stringify(statusLine.slice(0, 200))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? '0');
  if (!Number.isInteger(length) || length < 0 || length > MAX_RESPONSE) {
    throw new PeerError('PEER_OUTPUT', `bad Content-Length ${headers['content-length']}`);
  }
  const bodyStart = end + 4;
  if (data.length < bodyStart + length) return undefined;
  const body = data.subarray(bodyStart, bodyStart + length).toString('utf8');
  return {
    status: Number(status[1]),
    reason: status[2] ?? '',
    headers,
    body,
    raw: data.subarray(0, bodyStart + length).toString('utf8'),
  };
}

/**
 * Sends `METHOD url RTSP/1.0` with CSeq 1 and `headers`, reads one response, closes the connection.
 * Rejects with PEER_TIMEOUT, PEER_FAILED (connection refused or closed early) or PEER_OUTPUT.
 */
export function rtspRequest(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  options: { timeoutMs?: number } = {},
): Promise<RtspResponse> {
  const target = new URL(url);
  const port = Number(target.port || '554');
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const lines = [`${method} ${url} RTSP/1.0`, 'CSeq: 1', 'User-Agent: ts2rtc-tests'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const request = `${lines.join('\r\n')}\r\n\r\n`;
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise<RtspResponse>((resolve, reject) => {
    const socket = connect({ host, port });
    let data = Buffer.alloc(0);
    const fail = (err: PeerError): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(
        new PeerError(
          'PEER_TIMEOUT',
          `no complete answer to ${method} ${url} within ${timeoutMs} ms; got ${JSON.stringify(data.toString('latin1').slice(0, 500))}`,
        ),
      ),
    );
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length > MAX_RESPONSE)
        return fail(new PeerError('PEER_OUTPUT', `answer to ${method} over ${MAX_RESPONSE} bytes`));
      try {
        const response = parseRtspResponse(data);
        if (response) {
          socket.destroy();
          resolve(response);
        }
      } catch (err) {
        if (err instanceof PeerError) fail(err);
        else throw err;
      }
    });
    socket.once('error', (err) =>
      fail(new PeerError('PEER_FAILED', `${method} ${url}: ${err.message}`, { cause: err })),
    );
    socket.once('end', () =>
      fail(new PeerError('PEER_FAILED', `${method} ${url}: connection closed after ${data.length} bytes`)),
    );
  });
}

/** The `m=` sections of an SDP: the media line and its attribute lines. */
export function sdpMedias(sdp: string): Array<{ line: string; kind: string; attributes: string[] }> {
  const medias: Array<{ line: string; kind: string; attributes: string[] }> = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) medias.push({ line, kind: line.slice(2).split(' ')[0] ?? '', attributes: [] });
    else if (line.startsWith('a=')) medias[medias.length - 1]?.attributes.push(line.slice(2));
  }
  return medias;
}
