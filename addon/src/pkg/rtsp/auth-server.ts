import { timingSafeEqual } from 'node:crypto';
import { digestResponse, type Credentials, type DigestAlgorithm } from './auth.js';
import { parseAuthParams, quote, splitScheme } from './auth-params.js';

/** An Authorization header as a server reads it. */
export type ParsedAuthorization =
  | { readonly scheme: 'Basic'; readonly username: string; readonly password: string }
  | {
      readonly scheme: 'Digest';
      readonly username: string;
      readonly realm: string;
      readonly nonce: string;
      readonly uri: string;
      readonly response: string;
      readonly algorithm: string;
      readonly qop?: string;
      readonly nc?: string;
      readonly cnonce?: string;
    };

/** Undefined for an absent, unknown-scheme or incomplete header. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  if (value === undefined) return undefined;
  const [scheme, rest] = splitScheme(value);
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { scheme: 'Basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme !== 'digest') return undefined;
  const p = parseAuthParams(rest);
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (
    username === undefined ||
    realm === undefined ||
    nonce === undefined ||
    uri === undefined ||
    response === undefined
  )
    return undefined;
  const qop = p.get('qop');
  const nc = p.get('nc');
  const cnonce = p.get('cnonce');
  return {
    scheme: 'Digest',
    username,
    realm,
    nonce,
    uri,
    response,
    algorithm: p.get('algorithm') ?? 'MD5',
    ...(qop !== undefined ? { qop } : {}),
    ...(nc !== undefined ? { nc } : {}),
    ...(cnonce !== undefined ? { cnonce } : {}),
  };
}

/** `Basic realm="..."` for a 401. */
export function basicChallenge(realm: string): string {
  return `Basic realm=${quote(realm)}`;
}

/** `Digest realm="...", nonce="..."` (MD5, no qop: what every RTSP client answers) for a 401. */
export function digestChallenge(realm: string, nonce: string): string {
  return `Digest realm=${quote(realm)}, nonce=${quote(nonce)}`;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface VerifyOptions extends Credentials {
  readonly realm: string;
  /** The request's method (Digest hashes it). */
  readonly method: string;
  /** Whether a nonce is one this server issued and still honours. Without it, Digest is refused. */
  readonly validNonce?: (nonce: string) => boolean;
}

/**
 * Server-side check of an Authorization header: Basic by comparing the credentials, Digest (MD5/SHA-256,
 * qop absent or auth) by recomputing the response over the header's own `uri` for the request's method.
 * Comparisons run in constant time.
 */
export function verifyAuthorization(header: string | undefined, options: VerifyOptions): boolean {
  const auth = parseAuthorization(header);
  if (auth === undefined) return false;
  if (auth.scheme === 'Basic') return same(auth.username, options.username) && same(auth.password, options.password);
  if (!same(auth.username, options.username) || auth.realm !== options.realm) return false;
  if (options.validNonce === undefined || !options.validNonce(auth.nonce)) return false;
  const algorithms: Readonly<Record<string, DigestAlgorithm>> = { md5: 'MD5', 'sha-256': 'SHA-256' };
  const algorithm = algorithms[auth.algorithm.toLowerCase()];
  if (algorithm === undefined) return false;
  if (auth.qop !== undefined && auth.qop.toLowerCase() !== 'auth') return false;
  const expected = digestResponse({
    algorithm,
    realm: options.realm,
    nonce: auth.nonce,
    username: options.username,
    password: options.password,
    method: options.method,
    uri: auth.uri,
    ...(auth.qop !== undefined ? { qop: 'auth' as const, nc: auth.nc ?? '', cnonce: auth.cnonce ?? '' } : {}),
  });
  return same(auth.response.toLowerCase(), expected);
}
