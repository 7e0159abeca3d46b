/**
 * `key=value, key="quoted, value"` lists of HTTP authentication headers (RFC 7235 2.1): quoted strings may
 * hold commas and backslash escapes. Keys are lower-cased. At most 32 parameters are read.
 */
export function parseAuthParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  let i = 0;
  const n = text.length;
  while (i < n && params.size < 32) {
    while (i < n && (text[i] === ',' || text[i] === ' ' || text[i] === '\t')) i++;
    const keyStart = i;
    while (i < n && text[i] !== '=' && text[i] !== ',') i++;
    const key = text.slice(keyStart, i).trim().toLowerCase();
    if (i >= n || text[i] === ',') {
      if (key !== '') params.set(key, '');
      continue;
    }
    i++; // '='
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i];
        i++;
      }
      i++; // closing quote
    } else {
      const start = i;
      while (i < n && text[i] !== ',') i++;
      value = text.slice(start, i).trim();
    }
    if (key !== '') params.set(key, value);
  }
  return params;
}

/** A quoted-string for a header parameter. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The scheme token and the rest: `Digest realm="x"` gives ['digest', 'realm="x"']. */
export function splitScheme(value: string): [string, string] {
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  return space < 0
    ? [trimmed.toLowerCase(), '']
    : [trimmed.slice(0, space).toLowerCase(), trimmed.slice(space + 1).trim()];
}
