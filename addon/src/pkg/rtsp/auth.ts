import { createHash, randomBytes } from 'node:crypto';
import { parseAuthParams, quote, splitScheme } from './auth-params.js';
import { RtspError } from './errors.js';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface BasicChallenge {
  readonly scheme: 'Basic';
  readonly realm: string;
}

export interface DigestChallenge {
  readonly scheme: 'Digest';
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly algorithm: DigestAlgorithm;
  /** qop options offered (`auth`, `auth-int`); empty for RFC 2069 style digest (what most cameras send). */
  readonly qop: readonly string[];
  readonly stale: boolean;
  /** Whether the challenge named its algorithm; only then is it echoed (RFC 2617 3.2.2). */
  readonly algorithmNamed: boolean;
}

export type AuthChallenge = BasicChallenge | DigestChallenge;

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

const ALGORITHMS: Readonly<Record<string, DigestAlgorithm>> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/**
 * One WWW-Authenticate value. Undefined for schemes other than Basic and Digest; throws RTSP_BAD_HEADER for
 * a Digest challenge without a nonce and RTSP_AUTH_UNSUPPORTED for an algorithm it cannot compute.
 */
export function parseWwwAuthenticate(value: string): AuthChallenge | undefined {
  const [scheme, rest] = splitScheme(value);
  const params = parseAuthParams(rest);
  if (scheme === 'basic') return { scheme: 'Basic', realm: params.get('realm') ?? '' };
  if (scheme !== 'digest') return undefined;
  const nonce = params.get('nonce');
  if (nonce === undefined) throw new RtspError('RTSP_BAD_HEADER', 'Digest challenge without a nonce');
  const named = params.get('algorithm');
  const algorithmText = named ?? 'MD5';
  const algorithm = ALGORITHMS[algorithmText.toLowerCase()];
  if (algorithm === undefined)
    throw new RtspError('RTSP_AUTH_UNSUPPORTED', `Digest algorithm ${algorithmText.slice(0, 20)}`);
  const qop = (params.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q) => q !== '');
  const opaque = params.get('opaque');
  return {
    scheme: 'Digest',
    realm: params.get('realm') ?? '',
    nonce,
    algorithm,
    qop,
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
    algorithmNamed: named !== undefined,
    ...(opaque !== undefined ? { opaque } : {}),
  };
}

/**
 * The challenge to answer among all WWW-Authenticate values of a 401: Digest (SHA-256 before MD5) over
 * Basic, skipping ones that cannot be answered. Undefined when there is none.
 */
export function pickChallenge(values: readonly string[]): AuthChallenge | undefined {
  const challenges: AuthChallenge[] = [];
  for (const value of values.slice(0, 16)) {
    try {
      const challenge = parseWwwAuthenticate(value);
      if (challenge !== undefined) challenges.push(challenge);
    } catch (err) {
      // Another challenge of the same response may still be answerable; only ours matter.
      if (!(err instanceof RtspError)) throw err;
    }
  }
  const rank = (c: AuthChallenge) => (c.scheme === 'Basic' ? 0 : c.algorithm.startsWith('SHA') ? 2 : 1);
  const usable = challenges.filter((c) => c.scheme === 'Basic' || c.qop.length === 0 || c.qop.includes('auth'));
  return usable.sort((a, b) => rank(b) - rank(a))[0];
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm.startsWith('SHA') ? 'sha256' : 'md5')
    .update(text, 'utf8')
    .digest('hex');
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly realm: string;
  readonly nonce: string;
  readonly username: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  /** With qop=auth: the client nonce and the nonce count (8 hex digits). */
  readonly qop?: 'auth';
  readonly cnonce?: string;
  readonly nc?: string;
}

/** The `response=` value of RFC 2617 3.2.2.1 / RFC 7616 3.4.1 (qop absent or `auth`). */
export function digestResponse(input: DigestInput): string {
  const a = input.algorithm;
  let ha1 = hash(a, `${input.username}:${input.realm}:${input.password}`);
  if (a.endsWith('-sess')) ha1 = hash(a, `${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  const ha2 = hash(a, `${input.method}:${input.uri}`);
  if (input.qop === 'auth') return hash(a, `${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:auth:${ha2}`);
  return hash(a, `${ha1}:${input.nonce}:${ha2}`);
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

export interface AuthorizationRequest {
  readonly method: string;
  /** The request URI exactly as sent on the request line. */
  readonly uri: string;
  /** Defaults to random 16 hex digits (used with qop=auth and -sess algorithms). */
  readonly cnonce?: string;
  /** Nonce count for qop=auth. Defaults to 1. */
  readonly nc?: number;
}

/** The Authorization header value answering `challenge` for one request. */
export function buildAuthorization(
  challenge: AuthChallenge,
  credentials: Credentials,
  request: AuthorizationRequest,
): string {
  if (challenge.scheme === 'Basic') return basicAuthorization(credentials);
  const qop = challenge.qop.includes('auth') ? 'auth' : undefined;
  if (qop === undefined && challenge.qop.length > 0) {
    throw new RtspError('RTSP_AUTH_UNSUPPORTED', `Digest qop ${challenge.qop.join(',')}`);
  }
  const cnonce = request.cnonce ?? randomBytes(8).toString('hex');
  const nc = (request.nc ?? 1).toString(16).padStart(8, '0');
  const needsCnonce = qop !== undefined || challenge.algorithm.endsWith('-sess');
  const response = digestResponse({
    algorithm: challenge.algorithm,
    realm: challenge.realm,
    nonce: challenge.nonce,
    username: credentials.username,
    password: credentials.password,
    method: request.method,
    uri: request.uri,
    ...(qop !== undefined ? { qop, nc } : {}),
    ...(needsCnonce ? { cnonce } : {}),
  });
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `response=${quote(response)}`,
  ];
  // Cameras that did not name an algorithm get none back: some reject a parameter they did not send.
  if (challenge.algorithmNamed) parts.push(`algorithm=${challenge.algorithm}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${nc}`);
  if (needsCnonce) parts.push(`cnonce=${quote(cnonce)}`);
  return `Digest ${parts.join(', ')}`;
}

/**
 * Client side of RTSP authentication for one connection: after a 401, `handleChallenge(values)` picks the
 * challenge to answer; then `authorization(method, uri)` gives the header for every request, counting
 * nonce uses for qop=auth. A 401 to a challenge's first answer means wrong credentials: no retry (cameras
 * send a fresh nonce with every 401, so "a new nonce" alone would retry forever). A later 401 (the nonce
 * expired after it had worked) or one marked stale earns one retry.
 */
export class RtspAuthenticator {
  private current: AuthChallenge | undefined;
  private uses = 0;

  constructor(private readonly credentials: Credentials) {}

  get challenge(): AuthChallenge | undefined {
    return this.current;
  }

  /** Takes the WWW-Authenticate values of a 401; true when retrying the request can succeed. */
  handleChallenge(values: readonly string[]): boolean {
    const next = pickChallenge(values);
    if (next === undefined) return false;
    const previous = this.current;
    const usedBefore = this.uses > 1;
    this.current = next;
    this.uses = 0;
    if (previous === undefined) return true;
    return (next.scheme === 'Digest' && next.stale) || usedBefore;
  }

  /** The Authorization value for a request, or undefined before any challenge. */
  authorization(method: string, uri: string): string | undefined {
    if (this.current === undefined) return undefined;
    this.uses++;
    return buildAuthorization(this.current, this.credentials, { method, uri, nc: this.uses });
  }
}
