import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isDockerAddress } from '../../pkg/webrtc/candidate.js';
import { buildBindingRequest, parseBindingResponse } from '../../pkg/webrtc/stun.js';
import type { WebrtcSettings } from './config.js';

/**
 * The host addresses we advertise for the shared TCP port, with go2rtc's filters: no Docker bridge range,
 * loopback only when `filters.loopback` is on, link-local IPv6 never, and `filters.interfaces`/`ips` when
 * set. Read at each offer, so an address that appears later (DHCP, VPN) is used without a restart.
 */
export function hostAddresses(settings: WebrtcSettings): string[] {
  const out: string[] = [];
  const v4 = settings.networks.has('tcp4');
  const v6 = settings.networks.has('tcp6');
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
 * The public address seen by a STUN server (for `candidates: [stun:8555]`). One binding request, retried
 * twice; undefined when the server does not answer in time. The answer is cached for a few minutes: it is
 * asked for at every offer, and a public address rarely changes.
 */
export class PublicAddressResolver {
  private cached: { host: string; at: number } | undefined;
  private pending: Promise<string | undefined> | undefined;

  constructor(
    private readonly server: { host: string; port: number } | undefined,
    private readonly ttlMs = 5 * 60 * 1000,
    private readonly timeoutMs = 1500,
  ) {}

  async resolve(): Promise<string | undefined> {
    if (!this.server) return undefined;
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.host;
    this.pending ??= this.query(this.server).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async query(server: { host: string; port: number }): Promise<string | undefined> {
    let address: string;
    try {
      address = isIPv4(server.host) || isIPv6(server.host) ? server.host : (await lookup(server.host, { family: 4 })).address;
    } catch {
      return undefined;
    }
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
      if (host) this.cached = { host, at: Date.now() };
      return host;
    } finally {
      socket.close();
    }
  }
}
