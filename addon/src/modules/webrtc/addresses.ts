import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isDockerAddress } from '../../pkg/webrtc/candidate.js';
import { buildBindingRequest, parseBindingResponse } from '../../pkg/webrtc/stun.js';
import type { WebrtcSettings } from './config.js';

/**
 * The host addresses we advertise for the shared TCP (or UDP) port, with go2rtc's filters: no Docker bridge
 * range, loopback only when `filters.loopback` is on, link-local IPv6 never, and `filters.interfaces`/`ips`
 * when set. Read at each offer, so an address that appears later (DHCP, VPN) is used without a restart.
 */
export function hostAddresses(settings: WebrtcSettings, transport: 'tcp' | 'udp' = 'tcp'): string[] {
  const out: string[] = [];
  const v4 = settings.networks.has(`${transport}4`);
  const v6 = settings.networks.has(`${transport}6`);
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    if (settings.interfaces && !settings.interfaces.includes(name)) continue;
    for (const info of infos ?? []) {
      const ip = info.address;
      if (info.internal && !settings.loopback) continue;
      if (info.family === 'IPv4' ? !v4 : !v6) continue;
      if (isIPv6(ip) && /^fe80:/i.test(ip)) continue;
      if (isDockerAddress(ip)) continue;
      if (settings.allowedIps && !settings.allowedIps.includes(ip)) continue;
      if (!out.includes(ip)) out.push(ip);
    }
  }
  // Real interfaces first: a browser tries candidates in priority order, and loopback only helps local tests.
  return out.sort((a, b) => Number(a.startsWith('127.') || a === '::1') - Number(b.startsWith('127.') || b === '::1'));
}

/**
 * Of the host addresses the filters advertise (`allowed`), those a listener bound to `bound` answers on: all of
 * them for a wildcard, a name or no host; only `bound` itself for a specific address. Undefined when it is
 * bound to an address the filters leave out (`127.0.0.1:8555` without `filters.loopback`): no peer can use it.
 */
export function listenerHosts(bound: string | undefined, allowed: readonly string[]): string[] | undefined {
  if (bound === undefined || boundFamily(bound) === undefined) return [...allowed];
  return allowed.includes(bound) ? [bound] : undefined;
}

/** The IP family of a listen host that names one address; undefined for a wildcard, a name or none. */
export function boundFamily(bound: string | undefined): 4 | 6 | undefined {
  if (bound === undefined || bound === '0.0.0.0' || bound === '::') return undefined;
  const family = isIP(bound);
  return family === 4 || family === 6 ? family : undefined;
}

/**
 * Host name lookups for ICE servers, bounded: a resolver that does not answer (an offline install, a
 * firewalled DNS) costs an offer at most `timeoutMs`. getaddrinfo cannot be cancelled and holds one libuv
 * thread until it gives up (seconds), so there is at most one lookup per name in flight, and answers (also
 * "none") are kept for `ttlMs`: offers in a row do not each start another blocked lookup.
 */
export class BoundedLookup {
  private readonly cache = new Map<string, { address: string | undefined; at: number }>();
  private readonly pending = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly timeoutMs = 1000,
    private readonly ttlMs = 60_000,
  ) {}

  /** The address of `host` (an IP literal as is), or undefined when it has none or did not answer in time. */
  async lookup(host: string, family: 4 | 6): Promise<string | undefined> {
    if (isIPv4(host)) return family === 4 ? host : undefined;
    if (isIPv6(host)) return family === 6 ? host : undefined;
    const key = `${family} ${host.toLowerCase()}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.address;
    let running = this.pending.get(key);
    if (!running) {
      running = lookup(host, { family }).then(
        (result) => result.address,
        () => undefined,
      );
      this.pending.set(key, running);
      void running.then((address) => {
        this.pending.delete(key);
        this.cache.set(key, { address, at: Date.now() });
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        // Not answered in time: remember "none" so the next offers do not wait again while it hangs.
        // (The lookup's own answer, when it finally comes, replaces this.)
        this.cache.set(key, { address: undefined, at: Date.now() });
        resolve(undefined);
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([running, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The public address seen by a STUN server (for `candidates: [stun:8555]`). One binding request, retried
 * twice; undefined when the server does not answer in time. The answer is cached for a few minutes: it is
 * asked for at every offer, and a public address rarely changes.
 */
export class PublicAddressResolver {
  private found: { host: string; at: number } | undefined;
  private pending: Promise<string | undefined> | undefined;

  constructor(
    private readonly server: { host: string; port: number } | undefined,
    private readonly ttlMs = 5 * 60 * 1000,
    private readonly timeoutMs = 1500,
    private readonly names: BoundedLookup = new BoundedLookup(),
  ) {}

  /** The address found less than `ttlMs` ago, without asking: offers use it at once when there is one. */
  cached(): string | undefined {
    return this.found && Date.now() - this.found.at < this.ttlMs ? this.found.host : undefined;
  }

  async resolve(): Promise<string | undefined> {
    if (!this.server) return undefined;
    const known = this.cached();
    if (known) return known;
    this.pending ??= this.query(this.server).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async query(server: { host: string; port: number }): Promise<string | undefined> {
    const address = isIPv6(server.host) ? server.host : await this.names.lookup(server.host, 4);
    if (!address) return undefined;
    const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    const id = randomBytes(12);
    const request = buildBindingRequest(id);
    try {
      const host = await new Promise<string | undefined>((resolve) => {
        let attempts = 0;
        let timer: NodeJS.Timeout | undefined;
        const send = (): void => {
          if (attempts++ >= 3) {
            resolve(undefined);
            return;
          }
          socket.send(request, server.port, address, (err) => {
            if (err) resolve(undefined);
          });
          timer = setTimeout(send, this.timeoutMs / 3);
        };
        socket.on('message', (msg) => {
          let mapped: { host: string } | undefined;
          try {
            mapped = parseBindingResponse(msg, id);
          } catch {
            mapped = undefined; // a malformed answer: keep waiting for a good one or the timeout
          }
          if (!mapped) return;
          clearTimeout(timer);
          resolve(mapped.host);
        });
        socket.on('error', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
        socket.bind(0, send);
      });
      if (host) this.found = { host, at: Date.now() };
      return host;
    } finally {
      socket.close();
    }
  }
}
