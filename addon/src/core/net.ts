/**
 * Address rules every listener shares (API, RTSP, RTMP, exec ingest), so `listen:` values and "is this client on
 * this machine" mean the same thing in every module, and what media sockets share. Pure but for `lookupNow`; each
 * module turns a refusal into its own typed error.
 */

import { lookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

/**
 * The receive buffer of a socket that takes a camera's RTP over UDP. Cameras send key frames as bursts of big
 * packets (Tapo ~10 KB each), and Node reads them only when the event loop is free: the default (~208 KB on
 * Linux) overflows in a stall and a lost packet costs the rest of the GOP. The kernel caps it at rmem_max.
 */
export const MEDIA_UDP_RECV_BUFFER_BYTES = 2 * 1024 * 1024;

/**
 * A dgram socket's `lookup` that answers an IP address at once. dgram resolves every send's address through
 * `lookup`, and `dns.lookup` answers even an IP on the next tick: a frame fanned out to N viewers was sent
 * only after all N had been packetized and encrypted, so the first viewer waited as long as the last
 * (WebRTC at 30 viewers: ~30 x 19 packets x ~8 µs of SRTP before any packet left). Names still go to DNS.
 */
export function lookupNow(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else lookup(hostname, options, callback);
}

export interface ListenAddress {
  /** undefined: every interface. IPv6 hosts come without their brackets. */
  host: string | undefined;
  port: number;
}

/**
 * `:8554`, `0.0.0.0:8554`, `[::1]:8554`, `localhost:0` as go2rtc writes them. Returns undefined for anything else
 * (no colon, an empty or non-numeric port, a port above 65535, white space in the host).
 */
export function parseListenAddress(listen: string): ListenAddress | undefined {
  const colon = listen.lastIndexOf(':');
  if (colon < 0) return undefined;
  const portText = listen.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  let host = listen.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (/\s/.test(host)) return undefined;
  return { host: host === '' ? undefined : host, port };
}

/**
 * go2rtc's loopback test on an IP address: `127.*` or `::1`. Node reports IPv4 clients of a dual-stack socket as
 * `::ffff:127.x.y.z`. A socket without an address (closed, or a unix socket) is not an IP loopback: callers that
 * trust unix-socket peers say so themselves.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}
