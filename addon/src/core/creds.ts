// RFC 3986 userinfo characters, as go2rtc's pkg/creds masks them (`rtsp://user:pass@host` → `rtsp://***@host`).
const USERINFO = /:\/\/[A-Za-z0-9\-._~!$&'()*+,;=%:]+@/g;
/** A `homekit://` pairing's long-term private key is a password too (anyone holding it controls the camera). */
const HOMEKIT_PRIVATE = /([?&]client_private=)[^&#\s"]*/g;

/**
 * Hides credentials embedded in URLs anywhere in a text. Everything that leaves the process (API answers,
 * WebSocket errors, log lines about sources) goes through it, so camera passwords are never shown.
 */
export function maskCredentials(text: string): string {
  return text.replace(USERINFO, '://***@').replace(HOMEKIT_PRIVATE, '$1***');
}

/** What `maskConfigText` writes in place of a secret, and what `restoreMaskedSecrets` puts the secret back for. */
export const SECRET_MASK = '***';

type SecretKind = 'url' | 'key';

/** One secret in a config file's text: `[start, end)` are the secret's own characters. */
interface SecretSpan {
  readonly start: number;
  readonly end: number;
  readonly kind: SecretKind;
  /** A plain YAML scalar: masked as `"***"`, since a bare `***` would read as an alias and break the file. */
  readonly plain: boolean;
}

// A URL's userinfo: the password after the first colon, or a user-only token (`rtsp://TOKEN@host`).
const URL_USERINFO = /[A-Za-z][A-Za-z0-9+.-]*:\/\/([A-Za-z0-9\-._~!$&'()*+,;=%]*)(:[A-Za-z0-9\-._~!$&'()*+,;=%:]*)?@/g;
// HomeKit pairing keys in a source URL's query.
const URL_PRIVATE_KEY = /[?&](?:client_private|device_private)=([^&#\s"']*)/g;
// ngrok's token inside `ngrok: command: ngrok tcp 8554 --authtoken X`.
const AUTHTOKEN_FLAG = /--authtoken(?:=|[ \t]+)([^\s"']+)/g;
// Block-style keys whose value is a secret (api/rtsp `password`, ICE `credential`, hass `token`, homekit keys).
const SECRET_KEY_LINE =
  /^([ \t]*(?:-[ \t]+)?)(["']?)(password|credential|token|authtoken|secret|client_private|device_private)\2[ \t]*:[ \t]+(\S.*)$/gm;
// The same keys in a flow map: `{username: u, password: p}`.
const SECRET_KEY_FLOW =
  /[{,][ \t]*(["']?)(password|credential|token|authtoken|secret)\1[ \t]*:[ \t]*("[^"\n]*"|'[^'\n]*'|[^,}\n#"'\s][^,}\n#]*?)[ \t]*(?=[,}])/g;

/** The characters of a YAML scalar value that hold the secret (inside its quotes), or undefined when none. */
function scalarSpan(value: string, at: number): { start: number; end: number; plain: boolean } | undefined {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    let i = 1;
    // `\"` escapes in double quotes, `''` in single quotes: both stay inside the secret.
    while (i < value.length && (value[i] !== quote || (quote === "'" && value[i + 1] === "'")))
      i += (value[i] === '\\' && quote === '"') || (quote === "'" && value[i] === "'") ? 2 : 1;
    return i > 1 && i < value.length ? { start: at + 1, end: at + i, plain: false } : undefined;
  }
  // Anchors, tags, aliases, block scalars and flow collections are not single secrets: left as they are.
  if (/^[&!*|>{[]/.test(value)) return undefined;
  const plain = value.replace(/[ \t]+#.*$/, '').replace(/[ \t]+$/, '');
  return plain === '' ? undefined : { start: at, end: at + plain.length, plain: true };
}

/** Every secret in a config file's text, in order, without overlaps. `${VAR}` references are not secrets. */
function configSecrets(text: string): SecretSpan[] {
  const spans: SecretSpan[] = [];
  const add = (start: number, end: number, kind: SecretKind, plain = false) => {
    const value = text.slice(start, end);
    if (end > start && !/^\$\{[^}]*\}$/.test(value)) spans.push({ start, end, kind, plain });
  };
  for (const m of text.matchAll(URL_USERINFO)) {
    const user = m[1] ?? '';
    const pass = m[2];
    const userAt = m.index + m[0].indexOf('://') + 3;
    if (pass !== undefined) add(userAt + user.length + 1, userAt + user.length + pass.length, 'url');
    else add(userAt, userAt + user.length, 'url');
  }
  for (const m of text.matchAll(URL_PRIVATE_KEY))
    add(m.index + m[0].length - (m[1] ?? '').length, m.index + m[0].length, 'url');
  for (const m of text.matchAll(AUTHTOKEN_FLAG))
    add(m.index + m[0].length - (m[1] ?? '').length, m.index + m[0].length, 'url');
  for (const m of text.matchAll(SECRET_KEY_LINE)) {
    const value = m[4] ?? '';
    const span = scalarSpan(value, m.index + m[0].length - value.length);
    if (span) add(span.start, span.end, 'key', span.plain);
  }
  for (const m of text.matchAll(SECRET_KEY_FLOW)) {
    const value = m[3] ?? '';
    const span = scalarSpan(value, m.index + m[0].length - value.length);
    if (span) add(span.start, span.end, 'key', span.plain);
  }
  // Overlaps (a URL inside a `password:` value) keep the span that starts first, measured against the last kept.
  spans.sort((a, b) => a.start - b.start);
  let end = 0;
  return spans.filter((s) => {
    if (s.start < end) return false;
    end = s.end;
    return true;
  });
}

function replaceSpans(text: string, spans: readonly SecretSpan[], by: (span: SecretSpan, i: number) => string): string {
  let out = '';
  let pos = 0;
  spans.forEach((span, i) => {
    out += text.slice(pos, span.start) + by(span, i);
    pos = span.end;
  });
  return out + text.slice(pos);
}

/**
 * A config file's text with every secret replaced by `***`: URL passwords (the user name stays, so a reader
 * can tell the cameras apart), user-only URL tokens, HomeKit pairing keys, ngrok's `--authtoken`, and the
 * values of `password`/`credential`/`token`/`authtoken`/`secret` keys. Comments and layout are kept, so the
 * text is still the file a user edits; `restoreMaskedSecrets` puts the secrets back when it is saved.
 */
export function maskConfigText(text: string): string {
  return replaceSpans(text, configSecrets(text), (span) => (span.plain ? `"${SECRET_MASK}"` : SECRET_MASK));
}

/** A `***` that `restoreMaskedSecrets` could not tie to one secret of the current file. */
export interface UnresolvedMask {
  /** 1-based, as the config editor marks problems. */
  readonly line: number;
  readonly column: number;
  /** The masked URL or the key path the `***` stands in. */
  readonly where: string;
}

/** Where a secret sits, told without its value: the masked URL token, or the key's path of parent keys. */
function signature(text: string, span: SecretSpan): string {
  if (span.kind === 'url') {
    let a = span.start;
    let b = span.end;
    while (a > 0 && !/[\s"'[\]{}]/.test(text[a - 1] ?? ' ')) a--;
    while (b < text.length && !/[\s"'[\]{}]/.test(text[b] ?? ' ')) b++;
    return `url ${maskConfigText(text.slice(a, span.start) + SECRET_MASK + text.slice(span.end, b))}`;
  }
  return `key ${keyPath(text, span.start)}`;
}

/** `parent/child/key` of the key on the line holding `at`, from indentation (block YAML, as config files are). */
function keyPath(text: string, at: number): string {
  const lines = text.slice(0, at).split('\n');
  const current = lines.pop() ?? '';
  const keyOf = (line: string): { indent: number; key: string } | undefined => {
    const m = /^([ \t]*(?:-[ \t]+)?)(["']?)([^\s:"'#][^:"'#]*?)\2[ \t]*:(?:[ \t]|$)/.exec(line);
    return m ? { indent: (m[1] ?? '').length, key: m[3] ?? '' } : undefined;
  };
  const own = keyOf(current) ?? { indent: /^[ \t]*/.exec(current)?.[0].length ?? 0, key: '' };
  const path = [own.key];
  let indent = own.indent;
  for (let i = lines.length - 1; i >= 0 && indent > 0; i--) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const k = keyOf(line);
    const lineIndent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
    if (lineIndent >= indent) continue;
    indent = lineIndent;
    if (k) path.unshift(k.key);
  }
  return path.join('/');
}

/** A URL signature cut after its host (`url rtsp://admin:***@10.0.0.2:554`); other signatures unchanged. */
function hostOf(sig: string): string {
  const m = /^(url [^@]*@[^/?#]*)/.exec(sig);
  return m?.[1] ?? sig;
}

function lineColumn(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  return { line: before.split('\n').length, column: at - before.lastIndexOf('\n') };
}

/**
 * Puts the current file's secrets back where a saved text still has the `***` `maskConfigText` showed, so
 * a user who edits one line of the masked file and saves keeps every password. A `***` stands for the
 * secret with the same signature in the current file (the same masked URL, or the same key path); several
 * with one signature are taken in order when the counts match. A `***` that matches none (its URL's host or
 * path was edited, its key moved) or cannot be told apart is returned as unresolved, for the caller to
 * refuse: saving `***` as the password would break the camera without a word. A secret typed in clear is
 * kept as typed.
 */
export function restoreMaskedSecrets(text: string, current: string): { text: string; unresolved: UnresolvedMask[] } {
  const originals = configSecrets(current).map((span) => {
    const sig = signature(current, span);
    return { sig, host: hostOf(sig), value: current.slice(span.start, span.end), plain: span.plain };
  });
  // A masked key value arrives as `"***"`: the quotes go too when the secret was a plain scalar.
  const masked = configSecrets(text)
    .filter((s) => text.slice(s.start, s.end) === SECRET_MASK)
    .map((s) =>
      s.kind === 'key' && !s.plain && text[s.start - 1] === '"' && text[s.end] === '"'
        ? { ...s, start: s.start - 1, end: s.end + 1, plain: true }
        : s,
    )
    .map((span) => {
      const sig = signature(text, span);
      return { span, sig, host: hostOf(sig) };
    });
  const found = new Array<Secret | undefined>(masked.length);
  // The same URL or key path first; then, for what is left, the same user at the same host (a path edited).
  const exactSigs = new Set(originals.map((o) => o.sig));
  assign(
    masked,
    originals,
    (m) => m.sig,
    (o) => o.sig,
    found,
  );
  const claimed = new Set(masked.map((m) => m.sig));
  const rest = masked
    .map((m, i) => ({ ...m, i }))
    .filter((m) => found[m.i] === undefined && !exactSigs.has(m.sig) && m.host !== m.sig);
  assign(
    rest,
    originals.filter((o) => !claimed.has(o.sig)),
    (m) => m.host,
    (o) => o.host,
    found,
    (m) => m.i,
  );
  const unresolved: UnresolvedMask[] = [];
  const out = replaceSpans(
    text,
    masked.map((m) => m.span),
    (span, i) => {
      const secret = found[i];
      const typed = text.slice(span.start, span.end);
      if (secret === undefined) {
        unresolved.push({ ...lineColumn(text, span.start), where: (masked[i]?.sig ?? '').slice(4) });
        return typed;
      }
      // A secret that was quoted goes back inside the quotes the text kept; a plain one replaces `"***"` whole.
      return span.plain && typed !== SECRET_MASK ? (secret.plain ? secret.value : `"${secret.value}"`) : secret.value;
    },
  );
  return { text: out, unresolved };
}

interface Secret {
  readonly value: string;
  readonly plain: boolean;
}

/**
 * Gives each `***` (grouped by `keyOf`) the secret of its group: the one value when every original of the
 * group has it, else the n-th original for the n-th `***` when their counts match; otherwise none.
 */
function assign<M, O extends Secret>(
  masks: readonly M[],
  originals: readonly O[],
  keyOf: (m: M) => string,
  originalKey: (o: O) => string,
  found: Array<Secret | undefined>,
  index: (m: M, i: number) => number = (_, i) => i,
): void {
  const groups = new Map<string, O[]>();
  for (const o of originals) groups.set(originalKey(o), [...(groups.get(originalKey(o)) ?? []), o]);
  const wanted = new Map<string, number>();
  for (const m of masks) wanted.set(keyOf(m), (wanted.get(keyOf(m)) ?? 0) + 1);
  const seen = new Map<string, number>();
  masks.forEach((m, i) => {
    const key = keyOf(m);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const candidates = groups.get(key) ?? [];
    const same = candidates.length > 0 && candidates.every((c) => c.value === candidates[0]?.value);
    found[index(m, i)] = same ? candidates[0] : candidates.length === wanted.get(key) ? candidates[n] : undefined;
  });
}
