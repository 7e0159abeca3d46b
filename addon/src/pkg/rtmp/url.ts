import { RtmpError } from './errors.js';

/** An `rtmp://host[:port]/app[/inst]/stream[?query]` URL split as RTMP needs it. */
export interface RtmpUrl {
  readonly host: string;
  readonly port: number;
  /** `connect`'s app: every path segment but the last (`live`, `live/inst`). */
  readonly app: string;
  /** `play`'s stream name: the last segment with the query (`cam?key=1`). */
  readonly stream: string;
  /** `rtmp://host:port/app`, sent as tcUrl. */
  readonly tcUrl: string;
}

export const DEFAULT_RTMP_PORT = 1935;

export function parseRtmpUrl(raw: string): RtmpUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RtmpError('RTMP_COMMAND', `not a URL: ${raw}`);
  }
  if (url.protocol !== 'rtmp:') throw new RtmpError('RTMP_COMMAND', `not an rtmp:// URL: ${url.protocol}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? DEFAULT_RTMP_PORT : Number(url.port);
  const path = url.pathname.replace(/^\/+/, '');
  const cut = path.lastIndexOf('/');
  if (cut <= 0 || cut === path.length - 1)
    throw new RtmpError('RTMP_COMMAND', `rtmp URL needs /app/stream: ${url.pathname}`);
  const app = path.slice(0, cut);
  const stream = decodeURIComponent(path.slice(cut + 1)) + url.search;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { host, port, app, stream, tcUrl: `rtmp://${hostPart}:${port}/${app}` };
}
