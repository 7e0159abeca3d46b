import { RtspError } from './errors.js';

/** One transport specification of a Transport header (RFC 2326 12.39). */
export interface TransportSpec {
  /** Transport and profile: `RTP/AVP`, `RTP/SAVP`... */
  readonly protocol: string;
  readonly lowerTransport: 'UDP' | 'TCP';
  readonly delivery?: 'unicast' | 'multicast';
  /** RTP and RTCP channel of interleaved TCP. */
  readonly interleaved?: readonly [number, number];
  readonly clientPort?: readonly [number, number];
  readonly serverPort?: readonly [number, number];
  /** Multicast `port=`. */
  readonly port?: readonly [number, number];
  readonly destination?: string;
  readonly source?: string;
  readonly ttl?: number;
  /** Hex SSRC as a number. */
  readonly ssrc?: number;
  /** Upper-cased, quotes removed: `PLAY`, `RECORD`. */
  readonly mode?: string;
  /** Parameters without a field here, kept for writing back. */
  readonly other?: ReadonlyArray<readonly [string, string | undefined]>;
}

/** `a-b`, or `a` meaning the pair (a, a+1) as RFC 2326 does for ports and channels. */
function range(value: string | undefined, max: number): readonly [number, number] | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value.trim());
  if (match === null) return undefined;
  const a = Number(match[1]);
  const b = match[2] === undefined ? a + 1 : Number(match[2]);
  return a <= max && b <= max ? [a, b] : undefined;
}

function parseSpec(text: string): TransportSpec | undefined {
  const [head, ...params] = text.split(';').map((p) => p.trim());
  const match = /^([A-Za-z]+\/[A-Za-z]+)(?:\/(TCP|UDP))?$/i.exec(head ?? '');
  if (match === null) return undefined;
  const spec: {
    -readonly [K in keyof TransportSpec]: TransportSpec[K];
  } = {
    protocol: (match[1] ?? '').toUpperCase(),
    lowerTransport: (match[2] ?? 'UDP').toUpperCase() === 'TCP' ? 'TCP' : 'UDP',
  };
  const other: Array<readonly [string, string | undefined]> = [];
  for (const param of params) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    const key = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
    const value =
      eq < 0
        ? undefined
        : param
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    switch (key) {
      case 'unicast':
      case 'multicast':
        spec.delivery = key;
        break;
      case 'interleaved':
        spec.interleaved = range(value, 255) ?? spec.interleaved;
        break;
      case 'client_port':
        spec.clientPort = range(value, 65535) ?? spec.clientPort;
        break;
      case 'server_port':
        spec.serverPort = range(value, 65535) ?? spec.serverPort;
        break;
      case 'port':
        spec.port = range(value, 65535) ?? spec.port;
        break;
      case 'destination':
        if (value !== undefined) spec.destination = value;
        break;
      case 'source':
        if (value !== undefined) spec.source = value;
        break;
      case 'ttl':
        if (value !== undefined && /^\d{1,3}$/.test(value)) spec.ttl = Number(value);
        break;
      case 'ssrc':
        // Hex per RFC 2326; some servers write more than 8 digits, keep the low 32 bits.
        if (value !== undefined && /^[0-9a-fA-F]{1,16}$/.test(value)) spec.ssrc = Number.parseInt(value.slice(-8), 16);
        break;
      case 'mode':
        if (value !== undefined) spec.mode = value.toUpperCase();
        break;
      default:
        other.push([key, value]);
    }
  }
  if (other.length > 0) spec.other = other;
  return spec;
}

/**
 * Parses a Transport header: one or more comma-separated specifications, in the client's preference order.
 * Specifications that cannot be read are skipped; throws RTSP_BAD_HEADER when none can.
 */
export function parseTransport(value: string): TransportSpec[] {
  const specs = value
    .split(',')
    .slice(0, 16)
    .map(parseSpec)
    .filter((s): s is TransportSpec => s !== undefined);
  if (specs.length === 0) throw new RtspError('RTSP_BAD_HEADER', `Transport "${value.slice(0, 80)}"`);
  return specs;
}

const pair = (p: readonly [number, number]) => `${p[0]}-${p[1]}`;

/** One specification as text, in the usual order: `RTP/AVP/TCP;unicast;interleaved=0-1;mode=record`. */
export function buildTransport(spec: TransportSpec): string {
  const parts = [spec.lowerTransport === 'TCP' ? `${spec.protocol}/TCP` : spec.protocol];
  if (spec.delivery !== undefined) parts.push(spec.delivery);
  if (spec.destination !== undefined) parts.push(`destination=${spec.destination}`);
  if (spec.source !== undefined) parts.push(`source=${spec.source}`);
  if (spec.interleaved !== undefined) parts.push(`interleaved=${pair(spec.interleaved)}`);
  if (spec.port !== undefined) parts.push(`port=${pair(spec.port)}`);
  if (spec.clientPort !== undefined) parts.push(`client_port=${pair(spec.clientPort)}`);
  if (spec.serverPort !== undefined) parts.push(`server_port=${pair(spec.serverPort)}`);
  if (spec.ttl !== undefined) parts.push(`ttl=${spec.ttl}`);
  if (spec.ssrc !== undefined) parts.push(`ssrc=${(spec.ssrc >>> 0).toString(16).toUpperCase().padStart(8, '0')}`);
  for (const [k, v] of spec.other ?? []) parts.push(v === undefined ? k : `${k}=${v}`);
  if (spec.mode !== undefined) parts.push(`mode=${spec.mode.toLowerCase()}`);
  return parts.join(';');
}
