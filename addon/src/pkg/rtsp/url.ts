import type { Credentials } from './auth.js';
import { RtspError } from './errors.js';

/** A source URL split the way an RTSP client needs it. */
export interface RtspUrl {
  /** The URL without userinfo: what goes on request lines and in logs. */
  readonly url: string;
  readonly secure: boolean;
  /** Host name or address; IPv6 without brackets. */
  readonly host: string;
  /** Defaults to 554 for both rtsp and rtsps, as go2rtc (and most cameras with TLS) do; RFC 7826 says 322. */
  readonly port: number;
  /** Percent-decoded username and password from the userinfo; undefined when there is none. */
  readonly credentials?: Credentials;
}

export const DEFAULT_RTSP_PORT = 554;
export const DEFAULT_RTSPS_PORT = 554;

/**
 * Repairs URLs cameras send in Content-Base and that users paste: a doubled scheme (`rtsp://rtsp://host/`)
 * and an IPv6-mapped address without brackets (`rtsp://::ffff:192.168.1.2/path`).
 */
export function normalizeRtspUrl(raw: string): string {
  let url = raw.trim();
  const doubled = /^(rtsps?:\/\/)(rtsps?:\/\/)/i.exec(url);
  if (doubled !== null) url = url.slice((doubled[1] ?? '').length);
  const bare =
    /^(rtsps?:\/\/)((?:[^@/]*@)?)(::ffff:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*::[0-9a-fA-F:]*)(\/.*)?$/i.exec(url);
  if (bare !== null) url = `${bare[1]}${bare[2]}[${bare[3]}]${bare[4] ?? ''}`;
  return url;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray % that is not an escape: the user meant the character itself.
    return text;
  }
}

/** Parses an rtsp:// or rtsps:// URL; throws RTSP_BAD_URL for anything else. */
export function parseRtspUrl(raw: string): RtspUrl {
  let u: URL;
  try {
    u = new URL(normalizeRtspUrl(raw));
  } catch {
    throw new RtspError('RTSP_BAD_URL', `"${stripUserinfo(raw).slice(0, 200)}" is not a URL`);
  }
  const scheme = u.protocol.toLowerCase();
  if (scheme !== 'rtsp:' && scheme !== 'rtsps:')
    throw new RtspError('RTSP_BAD_URL', `scheme ${scheme} is not rtsp: or rtsps:`);
  if (u.hostname === '') throw new RtspError('RTSP_BAD_URL', 'URL without a host');
  const secure = scheme === 'rtsps:';
  const port = u.port === '' ? (secure ? DEFAULT_RTSPS_PORT : DEFAULT_RTSP_PORT) : Number(u.port);
  const credentials =
    u.username !== '' || u.password !== '' ? { username: decode(u.username), password: decode(u.password) } : undefined;
  u.username = '';
  u.password = '';
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { url: u.toString(), secure, host, port, ...(credentials !== undefined ? { credentials } : {}) };
}

/** The URL without `user:password@` (for request lines and logs); text that is not a URL loses any `x@` prefix. */
export function stripUserinfo(raw: string): string {
  return raw.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
}

/**
 * The base URL a DESCRIBE answer's controls are resolved against (RFC 2326 C.1.1): Content-Base, else
 * Content-Location, else the request URL; userinfo removed, repaired like normalizeRtspUrl.
 */
export function rtspBaseUrl(requestUrl: string, headers: { get(name: string): string | undefined }): string {
  const base = headers.get('content-base') ?? headers.get('content-location') ?? requestUrl;
  return stripUserinfo(normalizeRtspUrl(base));
}

/**
 * What a server reads from a request URI: the path without its leading `/` (percent-decoded; the stream
 * name, possibly followed by a control such as `/trackID=0`) and the query (`?video&audio=all`).
 */
export function parseRequestUri(uri: string): { path: string; query: URLSearchParams } {
  let rest = uri;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(rest);
  if (scheme !== null) rest = rest.slice(scheme[0].length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const pathPart = q < 0 ? rest : rest.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  return { path: decode(pathPart.replace(/^\/+/, '')), query };
}
