import type { IceServer, WebrtcConfig, WebrtcNetwork } from '../../config/types.js';
import { Ts2rtcError } from '../../core/errors.js';
import { parseCandidateEntry, type CandidateEntry } from '../../pkg/webrtc/candidate.js';

/** `webrtc:` after go2rtc's reading of it, in the terms this module works with. */
export interface WebrtcSettings {
  /** The shared ICE-TCP listener (`listen: ":8555"` or `":8555/tcp"`); undefined when TCP is off. */
  tcp: { host: string | undefined; port: number } | undefined;
  /** The shared UDP port (`listen: ":8555"` or `":8555/udp"`); undefined: werift's random port per peer. */
  udp: { host: string | undefined; port: number } | undefined;
  /** Fixed candidates and `stun:PORT` entries, first = highest priority. */
  candidates: CandidateEntry[];
  iceServers: IceServer[];
  /** Advertise 127.0.0.1 too (`filters.loopback`); off by default, as go2rtc. */
  loopback: boolean;
  /** Host addresses allowed as candidates (`filters.candidates` + `filters.ips`); null = any. */
  allowedIps: string[] | null;
  interfaces: string[] | null;
  networks: ReadonlySet<WebrtcNetwork>;
  /** Random UDP ports come from this range (`filters.udp_ports`). */
  udpPorts: [number, number] | undefined;
}

export class WebrtcConfigError extends Ts2rtcError {
  constructor(message: string) {
    super('CONFIG_INVALID', `webrtc: ${message}`);
  }
}

const ALL_NETWORKS: readonly WebrtcNetwork[] = ['tcp4', 'tcp6', 'udp4', 'udp6'];

/**
 * go2rtc (1.9): `":8555"` is a fixed TCP and UDP port, `":8555/tcp"` TCP only (UDP on random ports per peer),
 * `":8555/udp"` UDP only, `""` random UDP ports only.
 */
export function webrtcSettings(config: WebrtcConfig): WebrtcSettings {
  let tcp: WebrtcSettings['tcp'];
  let udp: WebrtcSettings['udp'];
  const listen = config.listen.trim();
  if (listen !== '') {
    const slash = listen.lastIndexOf('/');
    const network = slash >= 0 ? listen.slice(slash + 1) : '';
    const address = slash >= 0 ? listen.slice(0, slash) : listen;
    const colon = address.lastIndexOf(':');
    let host = address.slice(0, colon);
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    const port = Number(address.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
      throw new WebrtcConfigError(`invalid listen ${JSON.stringify(listen)}`);
    // The config loader accepts only these two suffixes.
    if (network === '' || network === 'tcp') tcp = { host: host || undefined, port };
    if (network === '' || network === 'udp') udp = { host: host || undefined, port };
  }
  const filters = config.filters;
  const ips = [...(filters.candidates ?? []), ...(filters.ips ?? [])];
  const range = filters.udp_ports;
  return {
    tcp,
    udp,
    candidates: config.candidates.map((entry) => {
      try {
        return parseCandidateEntry(entry);
      } catch (err) {
        throw new WebrtcConfigError(err instanceof Error ? err.message : String(err));
      }
    }),
    iceServers: config.ice_servers,
    loopback: filters.loopback,
    allowedIps: filters.candidates === null && filters.ips === null ? null : ips,
    interfaces: filters.interfaces,
    networks: new Set(filters.networks ?? ALL_NETWORKS),
    udpPorts:
      range && range.length === 2 && range[0] !== undefined && range[1] !== undefined
        ? [range[0], range[1]]
        : undefined,
  };
}

/** werift's `iceServers` from go2rtc's list; only stun:/turn: URLs, which is all werift understands. */
export function weriftIceServers(
  servers: readonly IceServer[],
): Array<{ urls: string; username?: string; credential?: string }> {
  const out: Array<{ urls: string; username?: string; credential?: string }> = [];
  for (const server of servers) {
    for (const url of server.urls) {
      if (!/^(stun|turns?):/.test(url)) continue;
      out.push({
        urls: url,
        ...(server.username ? { username: server.username } : {}),
        ...(server.credential ? { credential: server.credential } : {}),
      });
    }
  }
  return out;
}

/** At most this many STUN servers are asked per peer (a list is a handful; a flood is not one). */
const MAX_STUN_SERVERS = 8;

/**
 * Every `stun:` server as host and port, in order, without repeats. werift itself asks only the first one;
 * Home Assistant sends two URLs of one host (`stun.home-assistant.io:80` and `:3478`), and the second is the
 * one a firewall that blocks port 80 UDP lets through.
 */
export function stunServers(servers: readonly IceServer[]): Array<{ host: string; port: number }> {
  const out: Array<{ host: string; port: number }> = [];
  for (const server of servers) {
    for (const url of server.urls) {
      const match = /^stun:(\[[^\]]+\]|[^:?]+)(?::(\d+))?/.exec(url);
      if (!match?.[1]) continue;
      const entry = { host: match[1].replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : 3478 };
      if (entry.port < 1 || entry.port > 65535 || out.some((e) => e.host === entry.host && e.port === entry.port))
        continue;
      if (out.length < MAX_STUN_SERVERS) out.push(entry);
    }
  }
  return out;
}

/** The first STUN server as host and port, for resolving `stun:PORT` candidates. */
export function firstStunServer(servers: readonly IceServer[]): { host: string; port: number } | undefined {
  return stunServers(servers)[0];
}
