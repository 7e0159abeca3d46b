import { isIP } from 'node:net';
import { WebrtcPkgError } from './errors.js';

/** A `webrtc.candidates` entry: a fixed `host:port`, or `stun:port` (the public address found by STUN). */
export type CandidateEntry =
  | { readonly kind: 'address'; readonly host: string; readonly port: number }
  | { readonly kind: 'stun'; readonly port: number };

function parsePort(text: string, entry: string): number {
  if (!/^\d{1,5}$/.test(text))
    throw new WebrtcPkgError('CANDIDATE_INVALID', `candidate ${JSON.stringify(entry)}: bad port`);
  const port = Number(text);
  if (port < 1 || port > 65535)
    throw new WebrtcPkgError('CANDIDATE_INVALID', `candidate ${JSON.stringify(entry)}: port out of range`);
  return port;
}

/** `192.168.1.5:8555`, `[2001:db8::1]:8555`, `cam.example.com:8555`, `stun:8555`. */
export function parseCandidateEntry(entry: string): CandidateEntry {
  const text = entry.trim();
  if (text.length === 0 || text.length > 300)
    throw new WebrtcPkgError('CANDIDATE_INVALID', 'empty or overlong candidate entry');
  if (text.startsWith('stun:')) return { kind: 'stun', port: parsePort(text.slice(5), text) };
  const colon = text.lastIndexOf(':');
  if (colon <= 0)
    throw new WebrtcPkgError('CANDIDATE_INVALID', `candidate ${JSON.stringify(text)}: expected host:port`);
  let host = text.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (
    !isIP(host) &&
    !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)
  ) {
    throw new WebrtcPkgError('CANDIDATE_INVALID', `candidate ${JSON.stringify(text)}: bad host`);
  }
  return { kind: 'address', host, port: parsePort(text.slice(colon + 1), text) };
}

/** RFC 8445 5.1.2.1 with component 1: type preference, then local preference, then 256 - component. */
export function candidatePriority(typePreference: number, localPreference: number): number {
  return typePreference * 2 ** 24 + localPreference * 2 ** 8 + 255;
}

/** Type preferences: host beats server-reflexive; TCP host candidates rank below UDP ones (RFC 6544 4.2). */
export const TYPE_PREFERENCE = { host: 126, srflx: 100, tcpHost: 90 } as const;

export interface CandidateFields {
  readonly foundation: string;
  readonly transport: 'udp' | 'tcp';
  readonly priority: number;
  readonly host: string;
  readonly port: number;
  readonly type: 'host' | 'srflx';
  /** TCP only; we only ever accept connections, so always `passive` for our candidates. */
  readonly tcptype?: 'passive' | 'active' | 'so';
}

/** The candidate attribute value (no `a=`): `candidate:1 1 tcp 2130706431 10.0.0.2 8555 typ host tcptype passive`. */
export function buildCandidate(fields: CandidateFields): string {
  let text = `candidate:${fields.foundation} 1 ${fields.transport} ${fields.priority} ${fields.host} ${fields.port} typ ${fields.type}`;
  if (fields.transport === 'tcp') text += ` tcptype ${fields.tcptype ?? 'passive'}`;
  return text;
}

/** The address part of a candidate line, for filters; undefined when the line does not parse. */
export function candidateAddress(line: string): { transport: string; host: string; port: number } | undefined {
  const parts = line
    .replace(/^a=/, '')
    .replace(/^candidate:/, '')
    .trim()
    .split(/\s+/);
  if (parts.length < 8) return undefined;
  const port = Number(parts[5]);
  if (!Number.isInteger(port)) return undefined;
  return { transport: (parts[2] ?? '').toLowerCase(), host: parts[4] ?? '', port };
}

/**
 * What makes two candidates the same for a peer: transport, address and port (foundation, priority and
 * werift's `generation`/`ufrag` extensions differ between two lines for one socket). Undefined for a line
 * that does not parse.
 */
export function candidateKey(line: string): string | undefined {
  const address = candidateAddress(line);
  if (!address || address.host === '' || address.port <= 0) return undefined;
  return `${address.transport} ${address.host.toLowerCase()} ${address.port}`;
}

/** Docker's default bridge networks (172.16.0.0/12): go2rtc never advertises them, nor do we. */
export function isDockerAddress(ip: string): boolean {
  const match = /^172\.(\d+)\./.exec(ip);
  if (!match) return false;
  const second = Number(match[1]);
  return second >= 16 && second <= 31;
}
