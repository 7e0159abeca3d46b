import { RtspError } from './errors.js';
import { RtspHeaders } from './headers.js';

export interface RtspRequest {
  readonly kind: 'request';
  /** `OPTIONS`, `DESCRIBE`, `SETUP`, `PLAY`, `GET_PARAMETER`... as sent. */
  readonly method: string;
  readonly uri: string;
  /** `RTSP/1.0`. */
  readonly version: string;
  readonly headers: RtspHeaders;
  /** Empty when there is none; a view into the reader's bytes otherwise. */
  readonly body: Buffer;
}

export interface RtspResponse {
  readonly kind: 'response';
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: RtspHeaders;
  readonly body: Buffer;
}

/** RFC 2326 10.12: `$`, channel, 16-bit length, then an RTP or RTCP packet. */
export interface InterleavedFrame {
  readonly kind: 'frame';
  readonly channel: number;
  /** A view into the bytes read: never copied when the frame lies within one chunk. */
  readonly payload: Buffer;
}

/** Bytes the reader skipped to find the next message or frame; `size` is the run's length. */
export interface RtspGarbage {
  readonly kind: 'garbage';
  readonly error: RtspError;
  readonly size: number;
}

/** A fatal read error (caps exceeded, a malformed message): the reader stops, the connection should close. */
export interface RtspReadError {
  readonly kind: 'error';
  readonly error: RtspError;
}

export type RtspMessage = RtspRequest | RtspResponse;
export type RtspReadItem = RtspRequest | RtspResponse | InterleavedFrame | RtspGarbage | RtspReadError;

export const RTSP_VERSION = 'RTSP/1.0';

/** RFC 2326 7.1.1 reason phrases of the statuses a server sends. */
export const RTSP_REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  415: 'Unsupported Media Type',
  453: 'Not Enough Bandwidth',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  457: 'Invalid Range',
  459: 'Aggregate Operation Not Allowed',
  460: 'Only Aggregate Operation Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  551: 'Option Not Supported',
};

export interface RequestInput {
  readonly method: string;
  readonly uri: string;
  readonly headers?: RtspHeaders | Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  /** Defaults to RTSP/1.0. */
  readonly version?: string;
}

export interface ResponseInput {
  readonly status: number;
  /** Defaults to the RFC 2326 phrase of the status. */
  readonly reason?: string;
  readonly headers?: RtspHeaders | Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  /** Defaults to RTSP/1.0. */
  readonly version?: string;
}

function withoutBreaks(text: string): string {
  // A value with CR/LF would start a new header line: an injection, never legitimate.
  return text.replace(/[\r\n]+/g, ' ');
}

function serialize(
  startLine: string,
  headers: RtspHeaders | Readonly<Record<string, string>> | undefined,
  body: Buffer | string | undefined,
): Buffer {
  const h = headers instanceof RtspHeaders ? headers : new RtspHeaders(headers);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? Buffer.alloc(0));
  const lines = [withoutBreaks(startLine)];
  for (const [name, value] of h.entries()) {
    if (name.toLowerCase() === 'content-length') continue;
    lines.push(`${withoutBreaks(name)}: ${withoutBreaks(value)}`);
  }
  if (bytes.length > 0) lines.push(`Content-Length: ${bytes.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return bytes.length > 0 ? Buffer.concat([head, bytes]) : head;
}

/** A request's bytes; Content-Length is set from the body (and left out without one). */
export function serializeRequest(req: RequestInput): Buffer {
  return serialize(`${req.method} ${req.uri} ${req.version ?? RTSP_VERSION}`, req.headers, req.body);
}

/** A response's bytes; Content-Length is set from the body (and left out without one). */
export function serializeResponse(res: ResponseInput): Buffer {
  const reason = res.reason ?? RTSP_REASONS[res.status] ?? 'Unknown';
  return serialize(`${res.version ?? RTSP_VERSION} ${res.status} ${reason}`, res.headers, res.body);
}

/** The 4 bytes before an interleaved packet: send `[interleavedHeader(ch, n), ...packet parts]` with writev. */
export function interleavedHeader(channel: number, length: number): Buffer {
  if (
    !Number.isInteger(channel) ||
    channel < 0 ||
    channel > 255 ||
    !Number.isInteger(length) ||
    length < 0 ||
    length > 0xffff
  ) {
    throw new RtspError('RTSP_BAD_MESSAGE', `interleaved channel ${channel} or length ${length} out of range`);
  }
  return Buffer.from([0x24, channel, length >> 8, length & 0xff]);
}
