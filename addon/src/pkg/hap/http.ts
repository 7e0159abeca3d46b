import { HapError } from './errors.js';

/** An HTTP answer, or an `EVENT/1.0` notification (characteristic events share the connection). */
export interface HapMessage {
  readonly protocol: 'HTTP/1.1' | 'HTTP/1.0' | 'EVENT/1.0';
  readonly status: number;
  /** Lower-case names. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export const MAX_HEADER_BYTES = 16 * 1024;
/** `/accessories` of a bridge with many accessories is a few hundred kB; anything far beyond is broken. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** One HTTP/1.1 request as HAP sends it (the whole body at once, with Content-Length). */
export function encodeRequest(method: string, path: string, host: string, body?: Buffer, contentType?: string): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`];
  if (body !== undefined) {
    if (contentType) lines.push(`Content-Type: ${contentType}`);
    lines.push(`Content-Length: ${body.length}`);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body === undefined ? head : Buffer.concat([head, body]);
}

type BodyState =
  { kind: 'length'; remaining: number; chunks: Buffer[] } | { kind: 'chunked'; chunks: Buffer[]; size: number };

/**
 * Reads HTTP/1.x answers and EVENT/1.0 messages from the decrypted byte stream, in any split. Bodies are
 * delimited by Content-Length or chunked encoding (no body for 204/304 or without either). Throws
 * HAP_HTTP_INVALID on a malformed status line, header block or chunk, and on sizes over the limits. Pure.
 */
export class HapMessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  private head: { protocol: HapMessage['protocol']; status: number; headers: Map<string, string> } | undefined;
  private body: BodyState | undefined;

  push(chunk: Buffer): HapMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: HapMessage[] = [];
    for (;;) {
      if (this.head === undefined && !this.readHead()) break;
      const message = this.readBody();
      if (message === undefined) break;
      out.push(message);
    }
    if (this.buffer.length > 0) this.buffer = Buffer.from(this.buffer);
    return out;
  }

  private readHead(): boolean {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buffer.length > MAX_HEADER_BYTES) throw invalid(`header block over ${MAX_HEADER_BYTES} bytes`);
      return false;
    }
    if (end > MAX_HEADER_BYTES) throw invalid(`header block over ${MAX_HEADER_BYTES} bytes`);
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    this.buffer = this.buffer.subarray(end + 4);
    const status = /^(HTTP\/1\.[01]|EVENT\/1\.0) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (!status) throw invalid(`status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw invalid(`header line ${JSON.stringify(line.slice(0, 80))}`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const code = Number(status[2]);
    this.head = { protocol: status[1] as HapMessage['protocol'], status: code, headers };
    const te = headers.get('transfer-encoding');
    const cl = headers.get('content-length');
    if (te !== undefined && te.toLowerCase() === 'chunked') {
      this.body = { kind: 'chunked', chunks: [], size: 0 };
    } else if (cl !== undefined && code !== 204 && code !== 304) {
      if (!/^\d{1,10}$/.test(cl) || Number(cl) > MAX_BODY_BYTES) throw invalid(`Content-Length ${JSON.stringify(cl)}`);
      this.body = { kind: 'length', remaining: Number(cl), chunks: [] };
    } else {
      this.body = { kind: 'length', remaining: 0, chunks: [] };
    }
    return true;
  }

  private readBody(): HapMessage | undefined {
    const body = this.body;
    const head = this.head;
    if (body === undefined || head === undefined) return undefined;
    if (body.kind === 'length') {
      const take = Math.min(body.remaining, this.buffer.length);
      if (take > 0) body.chunks.push(this.buffer.subarray(0, take));
      body.remaining -= take;
      this.buffer = this.buffer.subarray(take);
      if (body.remaining > 0) return undefined;
      return this.finish(Buffer.concat(body.chunks));
    }
    for (;;) {
      const lineEnd = this.buffer.indexOf('\r\n');
      if (lineEnd < 0) {
        if (this.buffer.length > 64) throw invalid('chunk size line too long');
        return undefined;
      }
      const sizeText = this.buffer.subarray(0, lineEnd).toString('latin1').split(';')[0]!.trim();
      if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw invalid(`chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
      const size = parseInt(sizeText, 16);
      if (body.size + size > MAX_BODY_BYTES) throw invalid(`chunked body over ${MAX_BODY_BYTES} bytes`);
      // The chunk, its CRLF; the last chunk (0) is followed by an empty trailer line.
      const need = lineEnd + 2 + size + 2;
      if (this.buffer.length < need) return undefined;
      if (this.buffer[need - 2] !== 0x0d || this.buffer[need - 1] !== 0x0a) throw invalid('chunk not followed by CRLF');
      if (size === 0) {
        this.buffer = this.buffer.subarray(need);
        return this.finish(Buffer.concat(body.chunks));
      }
      body.chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      body.size += size;
      this.buffer = this.buffer.subarray(need);
    }
  }

  private finish(body: Buffer): HapMessage {
    const head = this.head!;
    this.head = undefined;
    this.body = undefined;
    return { protocol: head.protocol, status: head.status, headers: head.headers, body: Buffer.from(body) };
  }
}

function invalid(message: string): HapError {
  return new HapError('HAP_HTTP_INVALID', message);
}
