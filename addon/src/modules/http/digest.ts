import { createHash, randomBytes } from 'node:crypto';

/** A `WWW-Authenticate: Digest …` challenge (RFC 7616), the parts a client answers. */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly qop: 'auth' | undefined;
  readonly opaque: string | undefined;
  readonly algorithm: 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
}

/** The Digest challenge among a response's WWW-Authenticate headers, or undefined (Basic, none, unknown algorithm). */
export function parseDigestChallenge(headers: string | readonly string[] | undefined): DigestChallenge | undefined {
  for (const header of typeof headers === 'string' ? [headers] : (headers ?? [])) {
    const match = /^\s*Digest\s+(.*)$/i.exec(header);
    if (!match?.[1]) continue;
    const params = new Map<string, string>();
    for (const part of match[1].matchAll(/([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
      params.set((part[1] ?? '').toLowerCase(), (part[2] ?? part[3] ?? '').replace(/\\(.)/g, '$1'));
    }
    const realm = params.get('realm');
    const nonce = params.get('nonce');
    if (realm === undefined || !nonce) continue;
    const algorithm = algorithmOf((params.get('algorithm') ?? 'MD5').toUpperCase());
    if (!algorithm) continue;
    const qops = (params.get('qop') ?? '').split(',').map((q) => q.trim());
    return {
      realm,
      nonce,
      qop: qops.includes('auth') ? 'auth' : undefined,
      opaque: params.get('opaque'),
      algorithm,
    };
  }
  return undefined;
}

function algorithmOf(name: string): DigestChallenge['algorithm'] | undefined {
  switch (name) {
    case 'MD5':
      return 'MD5';
    case 'MD5-SESS':
      return 'MD5-sess';
    case 'SHA-256':
      return 'SHA-256';
    case 'SHA-256-SESS':
      return 'SHA-256-sess';
    default:
      return undefined;
  }
}

export interface DigestRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly uri: string;
  readonly username: string;
  readonly password: string;
  /** Times this nonce was used, from 1. */
  readonly nc: number;
  /** Defaults to 16 random hex bytes; tests pass a fixed one. */
  readonly cnonce?: string;
}

/** The `Authorization: Digest …` value answering `challenge` (RFC 7616 §3.4; RFC 2069 form without qop). */
export function digestAuthorization(challenge: DigestChallenge, request: DigestRequest): string {
  const hash = (text: string): string =>
    createHash(challenge.algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
      .update(text)
      .digest('hex');
  const cnonce = request.cnonce ?? randomBytes(8).toString('hex');
  const nc = request.nc.toString(16).padStart(8, '0');
  let ha1 = hash(`${request.username}:${challenge.realm}:${request.password}`);
  if (challenge.algorithm.endsWith('sess')) ha1 = hash(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = hash(`${request.method}:${request.uri}`);
  const response = challenge.qop
    ? hash(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${challenge.qop}:${ha2}`)
    : hash(`${ha1}:${challenge.nonce}:${ha2}`);
  const quote = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;
  const parts = [
    `username=${quote(request.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quote(response)}`,
  ];
  if (challenge.qop) parts.push(`qop=${challenge.qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
