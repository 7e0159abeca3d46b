/** fmtp parameters are few; a longer list is not from a real SDP. */
const MAX_PARAMS = 64;

/**
 * Parses an SDP fmtp parameter list (`a=fmtp:<pt> ` removed): `key=value;key2=value2`. Keys are lower-cased
 * (RFC 4566 makes them case-insensitive and cameras write `sizeLength`), values trimmed; spaces after `;`
 * and a trailing `;` are tolerated; a key without `=` gets the empty value. Later duplicates win.
 */
export function parseFmtp(fmtp: string | undefined): Map<string, string> {
  const params = new Map<string, string>();
  if (fmtp === undefined) return params;
  for (const item of fmtp.split(';')) {
    if (params.size >= MAX_PARAMS) break;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    if (key === '') continue;
    params.set(key, eq < 0 ? '' : item.slice(eq + 1).trim());
  }
  return params;
}

/** `key=value;key=value` from ordered pairs, skipping undefined values. */
export function buildFmtp(params: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  return params
    .filter((p): p is readonly [string, string | number] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

/** A non-negative decimal integer parameter, or undefined when absent or not a number. */
export function fmtpInt(params: Map<string, string>, key: string): number | undefined {
  const value = params.get(key);
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Base64 values of a comma-separated list (sprop-parameter-sets, sprop-vps...). Entries that do not
 * decode to at least one byte are skipped: cameras pad these with junk, and in-band sets may follow.
 */
export function fmtpBase64List(value: string | undefined): Buffer[] {
  if (value === undefined) return [];
  const out: Buffer[] = [];
  for (const item of value.split(',')) {
    const text = item.trim();
    if (!/^[A-Za-z0-9+/_-]+=*$/.test(text)) continue;
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length > 0) out.push(bytes);
  }
  return out;
}
