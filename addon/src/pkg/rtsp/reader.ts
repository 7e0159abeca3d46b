import { RtspError } from './errors.js';
import { RtspHeaders } from './headers.js';
import type { RtspReadItem, RtspRequest, RtspResponse } from './message.js';

export interface RtspReaderOptions {
  /** Largest start line plus headers, in bytes. Defaults to 64 KiB. */
  readonly maxHeaderSize?: number;
  /** Largest message body (Content-Length), in bytes. Defaults to 1 MiB. */
  readonly maxBodySize?: number;
}

const DOLLAR = 0x24;
const LF = 0x0a;
const CR = 0x0d;
const MAX_TOKEN = 32;
const MAX_HEADERS = 256;
const REQUEST_LINE = /^([A-Z][A-Z0-9_-]{0,31}) ([\x21-\x7e\x80-\xff]+) ((?:RTSP|HTTP)\/\d\.\d)$/;
const STATUS_LINE = /^((?:RTSP|HTTP)\/\d\.\d) (\d{3})(?: (.*))?$/;

type StartLine =
  | { readonly kind: 'request'; readonly method: string; readonly uri: string; readonly version: string }
  | { readonly kind: 'response'; readonly version: string; readonly status: number; readonly reason: string };

/** A message whose headers are read and whose body has not fully arrived. */
interface PendingBody {
  readonly head: Omit<RtspRequest, 'body'> | Omit<RtspResponse, 'body'>;
  /** Offset of the body from the item's start, and its length. */
  readonly bodyAt: number;
  readonly bodyLength: number;
}

type Step =
  | { readonly kind: 'need' }
  | { readonly kind: 'skip'; readonly to: number }
  | { readonly kind: 'item'; readonly item: RtspReadItem; readonly next: number }
  | { readonly kind: 'fatal'; readonly error: RtspError };

function isUpper(b: number | undefined): boolean {
  return b !== undefined && b >= 0x41 && b <= 0x5a;
}

/**
 * Incremental reader of one RTSP TCP byte stream: requests, responses and interleaved `$` frames
 * (RFC 2326 10.12) in any mix. `push` returns what each chunk completes; the result never depends on how
 * the stream was cut into chunks. Bytes that are neither are skipped up to the next `$` or capital letter
 * and reported as one `garbage` item per run. Caps (header 64 KiB, body 1 MiB) end the reader with an
 * `error` item; after that it ignores input.
 *
 * `push` never throws. Frames and bodies are views into the chunk they arrived in when they lie within it,
 * else into a buffer the reader allocated; the reader never writes to memory it has handed out, and the
 * caller must not either: pushing net.Socket 'data' chunks is fine (each is a fresh buffer), a socket read
 * with a reused `onread` buffer is not.
 */
export class RtspReader {
  private readonly maxHeaderSize: number;
  private readonly maxBodySize: number;
  /** Unconsumed bytes live in buf[start, end); buf beyond `end` is never handed out, so it may be written. */
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Bytes of the current item already known to hold no line end (resumes the search). */
  private scanned = 0;
  /** Bytes of the current item already known to hold no control character (start line check). */
  private checked = 0;
  /** The current item's start line, once read and valid: its LF offset and what it says. */
  private startLine: { readonly lf: number; readonly head: StartLine } | undefined;
  private pending: PendingBody | undefined;
  private garbage = 0;
  private failure: RtspError | undefined;

  constructor(options: RtspReaderOptions = {}) {
    this.maxHeaderSize = options.maxHeaderSize ?? 64 * 1024;
    this.maxBodySize = options.maxBodySize ?? 1024 * 1024;
  }

  /** The fatal error that stopped the reader, if any. */
  get failed(): RtspError | undefined {
    return this.failure;
  }

  /** Bytes held for an item that is not complete yet. */
  get buffered(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): RtspReadItem[] {
    if (this.failure !== undefined || chunk.length === 0) return [];
    let data: Buffer;
    let pos: number;
    let limit: number;
    const direct = this.start === this.end;
    if (direct) {
      data = chunk;
      pos = 0;
      limit = chunk.length;
    } else {
      this.append(chunk);
      data = this.buf.subarray(0, this.end);
      pos = this.start;
      limit = this.end;
    }
    const items: RtspReadItem[] = [];
    while (pos < limit) {
      const step = this.step(data, pos, limit);
      if (step.kind === 'need') break;
      if (step.kind === 'fatal') {
        this.flushGarbage(items);
        this.failure = step.error;
        items.push({ kind: 'error', error: step.error });
        this.buf = Buffer.alloc(0);
        this.start = this.end = 0;
        return items;
      }
      this.scanned = 0;
      this.checked = 0;
      this.startLine = undefined;
      if (step.kind === 'skip') {
        this.garbage += step.to - pos;
        pos = step.to;
      } else {
        this.flushGarbage(items);
        items.push(step.item);
        pos = step.next;
      }
    }
    if (direct) {
      if (pos < limit) this.keep(chunk.subarray(pos));
    } else if (pos >= limit) {
      // Everything consumed: drop the buffer rather than reuse it, since views of it were handed out.
      this.buf = Buffer.alloc(0);
      this.start = this.end = 0;
    } else {
      this.start = pos;
    }
    return items;
  }

  private flushGarbage(items: RtspReadItem[]): void {
    if (this.garbage === 0) return;
    const size = this.garbage;
    this.garbage = 0;
    items.push({
      kind: 'garbage',
      size,
      error: new RtspError('RTSP_GARBAGE', `skipped ${size} bytes that are not RTSP`),
    });
  }

  private keep(rest: Buffer): void {
    this.buf = Buffer.allocUnsafe(Math.max(4096, rest.length * 2));
    rest.copy(this.buf);
    this.start = 0;
    this.end = rest.length;
  }

  private append(chunk: Buffer): void {
    if (this.end + chunk.length <= this.buf.length) {
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const held = this.end - this.start;
    const next = Buffer.allocUnsafe(Math.max(64 * 1024, (held + chunk.length) * 2));
    this.buf.copy(next, 0, this.start, this.end);
    chunk.copy(next, held);
    this.buf = next;
    this.start = 0;
    this.end = held + chunk.length;
  }

  /** Skip garbage at `pos`: at least one byte, then up to the next byte that may start an item. */
  private skipFrom(data: Buffer, pos: number, limit: number): Step {
    let p = pos + 1;
    while (p < limit && data[p] !== DOLLAR && !isUpper(data[p])) p++;
    return { kind: 'skip', to: p };
  }

  private step(data: Buffer, pos: number, limit: number): Step {
    if (this.pending !== undefined) return this.body(data, pos, limit, this.pending);
    const first = data[pos];
    if (first === DOLLAR) return this.frame(data, pos, limit);
    if (!isUpper(first)) return this.skipFrom(data, pos, limit);
    return this.message(data, pos, limit);
  }

  private frame(data: Buffer, pos: number, limit: number): Step {
    if (limit - pos < 4) return { kind: 'need' };
    const channel = data[pos + 1] ?? 0;
    const length = ((data[pos + 2] ?? 0) << 8) | (data[pos + 3] ?? 0);
    if (length > 0) {
      const version = data[pos + 4];
      if (version === undefined) return { kind: 'need' };
      // RTP and RTCP both start with version 2; anything else means this `$` was not a frame.
      if (version >> 6 !== 2) return this.skipFrom(data, pos, limit);
    }
    if (limit - pos < 4 + length) return { kind: 'need' };
    return {
      kind: 'item',
      item: { kind: 'frame', channel, payload: data.subarray(pos + 4, pos + 4 + length) },
      next: pos + 4 + length,
    };
  }

  /** Whether the start line seen so far can still become a valid one. Checks only bytes not seen before. */
  private plausiblePrefix(data: Buffer, pos: number, to: number): boolean {
    // The first token (method or protocol) is short and made of [A-Z0-9_/.-].
    const tokenEnd = Math.min(to, pos + MAX_TOKEN + 1);
    let spaced = false;
    for (let p = pos; p < tokenEnd; p++) {
      const b = data[p] ?? 0;
      if (b === 0x20) {
        spaced = true;
        break;
      }
      const ok = isUpper(b) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2f || b === 0x2e || b === 0x2d;
      if (!ok) return false;
    }
    if (!spaced && tokenEnd - pos > MAX_TOKEN) return false;
    for (let p = pos + this.checked; p < to; p++) {
      const b = data[p] ?? 0;
      if (b < 0x20 && b !== CR) return false;
      if (b === 0x7f) return false;
    }
    this.checked = to - pos;
    return true;
  }

  /** Reads and checks the start line; undefined while it is incomplete. */
  private readStartLine(data: Buffer, pos: number, limit: number): Step | undefined {
    // Decisions look at no more than maxHeaderSize + 1 bytes, so they do not depend on chunking.
    const cap = pos + this.maxHeaderSize + 1;
    const found = data.indexOf(LF, pos + this.scanned);
    const lineEnd = found >= 0 && found < Math.min(limit, cap) ? found : -1;
    if (!this.plausiblePrefix(data, pos, lineEnd >= 0 ? lineEnd : Math.min(limit, cap)))
      return this.skipFrom(data, pos, limit);
    if (lineEnd < 0) {
      if (limit >= cap) return this.tooLarge();
      this.scanned = limit - pos;
      return { kind: 'need' };
    }
    let lineText = data.toString('latin1', pos, lineEnd);
    if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
    const request = REQUEST_LINE.exec(lineText);
    const status = request === null ? STATUS_LINE.exec(lineText) : null;
    if (request !== null) {
      this.startLine = {
        lf: lineEnd - pos,
        head: { kind: 'request', method: request[1] ?? '', uri: request[2] ?? '', version: request[3] ?? '' },
      };
    } else if (status !== null) {
      this.startLine = {
        lf: lineEnd - pos,
        head: { kind: 'response', version: status[1] ?? '', status: Number(status[2]), reason: status[3] ?? '' },
      };
    } else {
      // Not a start line: skip the line, but not past a `$` inside it.
      const dollar = data.indexOf(DOLLAR, pos + 1);
      return { kind: 'skip', to: dollar >= 0 && dollar <= lineEnd ? dollar : lineEnd + 1 };
    }
    this.scanned = lineEnd - pos;
    return undefined;
  }

  private message(data: Buffer, pos: number, limit: number): Step {
    if (this.startLine === undefined) {
      const step = this.readStartLine(data, pos, limit);
      if (step !== undefined) return step;
    }
    const start = this.startLine;
    if (start === undefined) return { kind: 'need' };
    const lineEnd = pos + start.lf;
    const blank = this.headerEnd(data, lineEnd, limit, pos);
    if (blank === undefined) return limit - pos > this.maxHeaderSize ? this.tooLarge() : { kind: 'need' };
    if (blank.bodyAt > this.maxHeaderSize) return this.tooLarge();
    const headers = parseHeaderLines(data.toString('utf8', lineEnd + 1, pos + blank.headerEnd));
    const lengthText = headers.get('content-length');
    let bodyLength = 0;
    if (lengthText !== undefined) {
      if (!/^\s*\d{1,10}\s*$/.test(lengthText)) {
        return {
          kind: 'fatal',
          error: new RtspError('RTSP_BAD_MESSAGE', `Content-Length "${lengthText.slice(0, 20)}"`),
        };
      }
      bodyLength = Number(lengthText);
      if (bodyLength > this.maxBodySize) {
        return {
          kind: 'fatal',
          error: new RtspError('RTSP_BODY_TOO_LARGE', `body of ${bodyLength} bytes, cap ${this.maxBodySize}`),
        };
      }
    }
    const head: PendingBody['head'] =
      start.head.kind === 'request' ? { ...start.head, headers } : { ...start.head, headers };
    return this.body(data, pos, limit, { head, bodyAt: blank.bodyAt, bodyLength });
  }

  private body(data: Buffer, pos: number, limit: number, pending: PendingBody): Step {
    const next = pos + pending.bodyAt + pending.bodyLength;
    if (next > limit) {
      this.pending = pending;
      return { kind: 'need' };
    }
    this.pending = undefined;
    const body = data.subarray(pos + pending.bodyAt, next);
    return { kind: 'item', item: { ...pending.head, body }, next };
  }

  /**
   * Finds the empty line ending the headers, searching line ends from the start line's LF on (resuming
   * where the last search stopped). Offsets returned are relative to the item's start.
   */
  private headerEnd(
    data: Buffer,
    lineEnd: number,
    limit: number,
    pos: number,
  ): { headerEnd: number; bodyAt: number } | undefined {
    let lf = data.indexOf(LF, Math.max(lineEnd, pos + this.scanned));
    while (lf >= 0 && lf < limit) {
      const a = lf + 1 < limit ? data[lf + 1] : undefined;
      const b = lf + 2 < limit ? data[lf + 2] : undefined;
      // Not enough look-ahead yet: resume from this LF next time.
      if (a === undefined || (a === CR && b === undefined)) {
        this.scanned = lf - pos;
        return undefined;
      }
      if (a === LF) return { headerEnd: lf + 1 - pos, bodyAt: lf + 2 - pos };
      if (a === CR && b === LF) return { headerEnd: lf + 1 - pos, bodyAt: lf + 3 - pos };
      lf = data.indexOf(LF, lf + 1);
    }
    this.scanned = limit - pos;
    return undefined;
  }

  private tooLarge(): Step {
    return {
      kind: 'fatal',
      error: new RtspError('RTSP_HEADER_TOO_LARGE', `no end of headers within ${this.maxHeaderSize} bytes`),
    };
  }
}

/** Header lines (CRLF or LF), tolerating lines without a colon (ignored) and folded continuation lines. */
function parseHeaderLines(text: string): RtspHeaders {
  const headers = new RtspHeaders();
  let last: { name: string; value: string } | undefined;
  const flush = () => {
    if (last !== undefined && headers.size < MAX_HEADERS) headers.append(last.name, last.value);
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    flush();
    last = colon <= 0 ? undefined : { name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
  }
  flush();
  return headers;
}
