import { MultipartError } from './errors.js';

/** One part of a `multipart/x-mixed-replace` body: its headers (names lower-cased) and its bytes. */
export interface MultipartPart {
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export interface MultipartParserOptions {
  /**
   * The boundary from the response's Content-Type, without the leading `--`. Defaults to undefined: the first
   * line that starts with `--` is taken as the boundary (many cameras announce one boundary and send another,
   * or put quotes or a leading `--` in the header; go2rtc reads whatever comes, and so do we).
   */
  boundary?: string | undefined;
  /** Largest part body; defaults to 16 MiB (a camera picture is far smaller). */
  maxPartBytes?: number;
  /** Largest header block of one part; defaults to 16 KiB. */
  maxHeaderBytes?: number;
  /** Bytes before the first boundary line that are tolerated (preamble); defaults to 64 KiB. */
  maxPreambleBytes?: number;
}

const DEFAULTS = { maxPartBytes: 16 * 1024 * 1024, maxHeaderBytes: 16 * 1024, maxPreambleBytes: 64 * 1024 };

type State = 'boundary' | 'headers' | 'body';

/**
 * An incremental parser of `multipart/x-mixed-replace` (MJPEG over HTTP): bytes in, whole parts out. A part's
 * body ends after its `Content-Length` bytes when it has one (then the bytes need not be searched, and a JPEG
 * that happens to contain the boundary text stays whole), else at the next `\r\n--boundary`. Lines may end in
 * CRLF or a bare LF, as some cameras send. Framing that cannot be a multipart stream throws a MultipartError;
 * the caller ends the source with it.
 */
export class MultipartParser {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = 'boundary';
  private boundary: Buffer | undefined;
  private headers = new Map<string, string>();
  private skipped = 0;
  private readonly limits: typeof DEFAULTS;
  /** Parts delivered so far. */
  parts = 0;

  constructor(options: MultipartParserOptions = {}) {
    const boundary = normalizeBoundary(options.boundary);
    this.boundary = boundary ? Buffer.from(`--${boundary}`, 'latin1') : undefined;
    this.limits = {
      maxPartBytes: options.maxPartBytes ?? DEFAULTS.maxPartBytes,
      maxHeaderBytes: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes,
      maxPreambleBytes: options.maxPreambleBytes ?? DEFAULTS.maxPreambleBytes,
    };
  }

  /** Bytes held for the part in progress. */
  get pendingBytes(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): MultipartPart[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const parts: MultipartPart[] = [];
    for (;;) {
      const part = this.step();
      if (part === 'more') break;
      if (part !== 'continue') parts.push(part);
    }
    return parts;
  }

  /** One state transition: a part, 'continue' (state changed) or 'more' (needs bytes). */
  private step(): MultipartPart | 'continue' | 'more' {
    switch (this.state) {
      case 'boundary':
        return this.readBoundary();
      case 'headers':
        return this.readHeaders();
      case 'body':
        return this.readBody();
    }
  }

  private readBoundary(): 'continue' | 'more' {
    for (;;) {
      const eol = this.buf.indexOf(0x0a);
      if (eol < 0) {
        if (this.skipped + this.buf.length > this.limits.maxPreambleBytes) {
          throw new MultipartError(
            'MULTIPART_NO_BOUNDARY',
            `no boundary line within ${this.limits.maxPreambleBytes} bytes`,
          );
        }
        return 'more';
      }
      const line = trimLine(this.buf.subarray(0, eol));
      this.buf = this.buf.subarray(eol + 1);
      if (this.isBoundaryLine(line)) {
        this.skipped = 0;
        this.state = 'headers';
        this.headers = new Map();
        return 'continue';
      }
      // Blank lines between parts and a preamble before the first one are allowed, within a bound.
      this.skipped += eol + 1;
      if (this.skipped > this.limits.maxPreambleBytes) {
        throw new MultipartError(
          'MULTIPART_NO_BOUNDARY',
          `no boundary line within ${this.limits.maxPreambleBytes} bytes`,
        );
      }
    }
  }

  private isBoundaryLine(line: Buffer): boolean {
    if (line.length < 3 || line[0] !== 0x2d || line[1] !== 0x2d) return false;
    if (!this.boundary) {
      // Learn it from the first line that looks like one; a closing `--boundary--` never comes first.
      this.boundary = Buffer.from(line);
      return true;
    }
    if (line.equals(this.boundary)) return true;
    // Before the first part, a camera whose body uses another boundary than its header announced wins.
    if (this.parts === 0 && !line.subarray(0, this.boundary.length).equals(this.boundary)) {
      this.boundary = Buffer.from(line);
      return true;
    }
    // `--boundary--` closes the body; whatever follows is another (rare) body: treat it as a boundary too.
    return line.length === this.boundary.length + 2 && line.subarray(0, this.boundary.length).equals(this.boundary);
  }

  private readHeaders(): 'continue' | 'more' {
    for (;;) {
      const eol = this.buf.indexOf(0x0a);
      if (eol < 0) {
        if (this.buf.length > this.limits.maxHeaderBytes) {
          throw new MultipartError(
            'MULTIPART_HEADER_TOO_LARGE',
            `a header line longer than ${this.limits.maxHeaderBytes} bytes`,
          );
        }
        return 'more';
      }
      const line = trimLine(this.buf.subarray(0, eol)).toString('latin1');
      this.buf = this.buf.subarray(eol + 1);
      if (line === '') {
        this.state = 'body';
        return 'continue';
      }
      const colon = line.indexOf(':');
      if (colon > 0) this.headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      let size = 0;
      for (const [k, v] of this.headers) size += k.length + v.length + 4;
      if (size > this.limits.maxHeaderBytes) {
        throw new MultipartError(
          'MULTIPART_HEADER_TOO_LARGE',
          `part headers larger than ${this.limits.maxHeaderBytes} bytes`,
        );
      }
    }
  }

  private readBody(): MultipartPart | 'more' {
    const declared = this.headers.get('content-length');
    let end: number;
    let next: number;
    if (declared !== undefined && declared !== '') {
      if (!/^\d{1,10}$/.test(declared) || Number(declared) > this.limits.maxPartBytes) {
        throw new MultipartError('MULTIPART_LENGTH_INVALID', `Content-Length ${JSON.stringify(declared.slice(0, 20))}`);
      }
      end = Number(declared);
      if (this.buf.length < end) return 'more';
      next = end;
    } else {
      const found = this.findBoundary();
      if (found < 0) {
        if (this.buf.length > this.limits.maxPartBytes) {
          throw new MultipartError('MULTIPART_PART_TOO_LARGE', `a part larger than ${this.limits.maxPartBytes} bytes`);
        }
        return 'more';
      }
      // The line break before the boundary belongs to the delimiter, not to the body.
      end = found > 0 && this.buf[found - 1] === 0x0d ? found - 1 : found;
      next = found;
    }
    const body = Buffer.from(this.buf.subarray(0, end));
    this.buf = this.buf.subarray(next);
    this.state = 'boundary';
    this.parts++;
    return { headers: this.headers, body };
  }

  /** Index of the LF that starts `\n--boundary`, or -1. */
  private findBoundary(): number {
    const boundary = this.boundary;
    if (!boundary) return -1;
    let from = 0;
    for (;;) {
      const at = this.buf.indexOf(boundary, from);
      if (at < 0) return -1;
      if (at > 0 && this.buf[at - 1] === 0x0a) return at - 1;
      if (at === 0) return 0;
      from = at + 1;
    }
  }
}

/** The boundary parameter as cameras write it: quoted, or with the `--` already in front. */
export function normalizeBoundary(boundary: string | undefined): string | undefined {
  if (boundary === undefined) return undefined;
  let text = boundary.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  if (text.startsWith('--')) text = text.slice(2);
  return text === '' ? undefined : text;
}

/** The `boundary=` parameter of a Content-Type header, if any. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary\s*=\s*("[^"]*"|[^;\s]+)/i.exec(contentType);
  return normalizeBoundary(match?.[1]);
}

function trimLine(line: Buffer): Buffer {
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x0d || line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
  return line.subarray(0, end);
}
