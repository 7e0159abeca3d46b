import { RtspError } from './errors.js';

/** `Session: <id>[;timeout=<seconds>]` (RFC 2326 12.37). */
export interface SessionHeader {
  readonly id: string;
  /** Seconds; RFC 2326's default is 60 when absent. */
  readonly timeout?: number;
}

export function parseSession(value: string): SessionHeader {
  const [id = '', ...params] = value.split(';').map((p) => p.trim());
  if (!/^[\x21-\x7e]{1,256}$/.test(id)) throw new RtspError('RTSP_BAD_HEADER', `Session "${value.slice(0, 80)}"`);
  for (const param of params) {
    const match = /^timeout\s*=\s*(\d{1,9})$/i.exec(param);
    if (match !== null) return { id, timeout: Number(match[1]) };
  }
  return { id };
}

export function buildSession(session: SessionHeader): string {
  return session.timeout === undefined ? session.id : `${session.id};timeout=${session.timeout}`;
}

/** One stream of an RTP-Info header (RFC 2326 12.33). */
export interface RtpInfoEntry {
  readonly url: string;
  readonly seq?: number;
  readonly rtptime?: number;
}

/** Parses RTP-Info; entries are split on `,url=` so commas inside URLs survive. Unreadable fields are left out. */
export function parseRtpInfo(value: string): RtpInfoEntry[] {
  const entries: RtpInfoEntry[] = [];
  for (const part of value.split(/,\s*(?=url=)/i).slice(0, 64)) {
    let url: string | undefined;
    let seq: number | undefined;
    let rtptime: number | undefined;
    for (const field of part.split(';')) {
      const eq = field.indexOf('=');
      if (eq < 0) continue;
      const key = field.slice(0, eq).trim().toLowerCase();
      const v = field
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (key === 'url') url = v;
      else if (key === 'seq' && /^\d{1,5}$/.test(v) && Number(v) <= 0xffff) seq = Number(v);
      else if (key === 'rtptime' && /^\d{1,10}$/.test(v) && Number(v) <= 0xffffffff) rtptime = Number(v);
    }
    if (url === undefined) continue;
    entries.push({ url, ...(seq !== undefined ? { seq } : {}), ...(rtptime !== undefined ? { rtptime } : {}) });
  }
  return entries;
}

export function buildRtpInfo(entries: readonly RtpInfoEntry[]): string {
  return entries
    .map((e) =>
      [
        `url=${e.url}`,
        e.seq === undefined ? '' : `seq=${e.seq}`,
        e.rtptime === undefined ? '' : `rtptime=${e.rtptime >>> 0}`,
      ]
        .filter(Boolean)
        .join(';'),
    )
    .join(',');
}

/** A Range header (RFC 2326 12.29) as text parts; `npt` values also as seconds when numeric. */
export interface RangeHeader {
  /** `npt`, `clock`, `smpte`... */
  readonly unit: string;
  readonly start: string;
  readonly end: string;
  /** Seconds of an npt start (`now` and clock units give undefined). */
  readonly startSeconds?: number;
  readonly endSeconds?: number;
}

function nptSeconds(value: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const hms = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(value);
  return hms === null ? undefined : Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]);
}

export function parseRange(value: string): RangeHeader {
  const match = /^\s*([a-zA-Z-]+)\s*=\s*([^-;\s]*)\s*-\s*([^;\s]*)/.exec(value);
  if (match === null) throw new RtspError('RTSP_BAD_HEADER', `Range "${value.slice(0, 80)}"`);
  const unit = (match[1] ?? '').toLowerCase();
  const start = match[2] ?? '';
  const end = match[3] ?? '';
  const startSeconds = unit === 'npt' ? nptSeconds(start) : undefined;
  const endSeconds = unit === 'npt' ? nptSeconds(end) : undefined;
  return {
    unit,
    start,
    end,
    ...(startSeconds !== undefined ? { startSeconds } : {}),
    ...(endSeconds !== undefined ? { endSeconds } : {}),
  };
}

export function buildRange(range: { unit?: string; start: string; end?: string }): string {
  return `${range.unit ?? 'npt'}=${range.start}-${range.end ?? ''}`;
}

/** CSeq as a number, or undefined when absent or not a number. */
export function parseCSeq(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,9}\s*$/.test(value)) return undefined;
  return Number(value);
}

/** A comma-separated token list such as Public, Require or Supported. */
export function parseTokenList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .slice(0, 64);
}
