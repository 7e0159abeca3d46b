/**
 * One line of `ngrok ... --log stdout --log-format json` (ngrok agent v2/v3, what go2rtc's pkg/ngrok reads):
 *
 *   {"addr":"//localhost:8555","lvl":"info","msg":"started tunnel","name":"command_line","obj":"tunnels",
 *    "t":"2026-12-06T07:05:17.000Z","url":"tcp://0.tcp.eu.ngrok.io:12345"}
 *
 * `addr` is a string in most versions (`//localhost:8555` for tcp, `http://localhost:1984` for http) and an
 * object `{"Scheme":"http","Host":"127.0.0.1:1984"}` in some v3 releases. Errors come as `"lvl":"eror"` (log15's
 * spelling) or `"lvl":"error"` with an `err` field, and the CLI prints plain `ERROR:  ...` lines.
 */

export interface NgrokAddress {
  /** '' when the agent wrote only a port. */
  readonly host: string;
  readonly port: number;
}

export type NgrokLogEvent =
  | {
      readonly kind: 'tunnel';
      /** The tunnel's name (`command_line` for `ngrok tcp 8555`, the key in ngrok.yml otherwise). */
      readonly name: string;
      /** Where it forwards to; undefined when the line's addr does not parse. */
      readonly addr: NgrokAddress | undefined;
      /** The public URL (`tcp://0.tcp.ngrok.io:12345`, `https://x.ngrok-free.app`). */
      readonly url: string;
    }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'log'; readonly level: string; readonly message: string };

const MAX_LINE = 8192;

function parseAddress(value: unknown): NgrokAddress | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['Host'] === 'string'
  )
    text = (value as Record<string, string>)['Host'] ?? '';
  else return undefined;
  // `//localhost:8555`, `http://localhost:1984`, `localhost:8555`, `8555`.
  const withoutScheme = text
    .replace(/^[a-z][a-z0-9+.-]*:/i, '')
    .replace(/^\/\//, '')
    .replace(/\/.*$/, '');
  const match = /^(?:(\[[^\]]*\]|[^:]*):)?(\d{1,5})$/.exec(withoutScheme);
  if (!match?.[2]) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Never throws: a line that is not ngrok's JSON is a plain log line. */
export function parseNgrokLine(raw: string): NgrokLogEvent {
  const line = raw.trim().slice(0, MAX_LINE);
  if (line.startsWith('ERROR:')) return { kind: 'error', message: line.slice(6).trim() };
  let value: unknown;
  try {
    value = line.startsWith('{') ? JSON.parse(line) : undefined;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'log', level: '', message: line };
  const record = value as Record<string, unknown>;
  const message = text(record['msg']);
  const level = text(record['lvl']);
  if (message === 'started tunnel' && text(record['url']) !== '') {
    return { kind: 'tunnel', name: text(record['name']), addr: parseAddress(record['addr']), url: text(record['url']) };
  }
  const err = text(record['err']);
  if (level === 'eror' || level === 'error' || level === 'crit') {
    return { kind: 'error', message: err && err !== '<nil>' ? `${message}: ${err}` : message };
  }
  return { kind: 'log', level, message };
}

/** `tcp://0.tcp.ngrok.io:12345` → host and port; undefined for anything that is not a tcp:// URL. */
export function tcpPublicAddress(url: string): { host: string; port: number } | undefined {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/i.exec(url.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}
