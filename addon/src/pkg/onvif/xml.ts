import { OnvifError } from './errors.js';

/**
 * Just enough XML for ONVIF answers, read the way cameras need it read: elements are matched by local name
 * whatever their namespace prefix (`tt:`, `trt:`, `ns2:`, none), since vendors pick prefixes freely. Linear
 * scans with indexOf only (no backtracking regular expressions), so a hostile answer costs its length.
 */

/** Larger answers are refused: a GetProfiles of a 16-channel NVR is ~100 KB. */
export const MAX_XML_BYTES = 1024 * 1024;

export interface XmlElement {
  /** The qualified name as written (`tt:Profiles`). */
  readonly name: string;
  /** Attributes by local name (prefixes dropped), values entity-decoded. */
  readonly attributes: ReadonlyMap<string, string>;
  /** The raw text between the start and the end tag ('' for an empty element). */
  readonly body: string;
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and numeric references; anything else is left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    switch (ref) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Escapes text for an element body or an attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function checkXmlSize(xml: string): void {
  if (xml.length > MAX_XML_BYTES)
    throw new OnvifError('ONVIF_XML_INVALID', `answer of ${xml.length} bytes, more than ${MAX_XML_BYTES}`);
}

const NAME_END = /[\s/>]/;

function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    const eq = text.indexOf('=', at);
    if (eq < 0) break;
    const key = text.slice(at, eq).trim();
    let start = eq + 1;
    while (start < text.length && /\s/.test(text[start] ?? '')) start++;
    const quote = text[start];
    if (quote !== '"' && quote !== "'") break;
    const end = text.indexOf(quote, start + 1);
    if (end < 0) break;
    if (key !== '' && !/\s/.test(key)) attributes.set(localName(key), decodeEntities(text.slice(start + 1, end)));
    at = end + 1;
  }
  return attributes;
}

/**
 * Every element whose local name is `name`, in document order, not descending into a match (a `Profiles`
 * inside a `Profiles` is part of the outer one's body). An element without its end tag ends the document.
 */
export function findElements(xml: string, name: string, limit = 1000): XmlElement[] {
  checkXmlSize(xml);
  const out: XmlElement[] = [];
  let at = 0;
  while (out.length < limit) {
    const open = xml.indexOf('<', at);
    if (open < 0) break;
    const close = xml.indexOf('>', open + 1);
    if (close < 0) break;
    const first = xml[open + 1];
    if (first === '/' || first === '?' || first === '!') {
      at = close + 1;
      continue;
    }
    const inner = xml.slice(open + 1, close);
    const nameEnd = inner.search(NAME_END);
    const qualified = nameEnd < 0 ? inner : inner.slice(0, nameEnd);
    if (localName(qualified) !== name) {
      at = close + 1;
      continue;
    }
    const selfClosing = inner.endsWith('/');
    const attributes = parseAttributes(nameEnd < 0 ? '' : inner.slice(nameEnd, selfClosing ? -1 : undefined));
    if (selfClosing) {
      out.push({ name: qualified, attributes, body: '' });
      at = close + 1;
      continue;
    }
    const end = matchingEnd(xml, qualified, close + 1);
    if (end === undefined) break;
    out.push({ name: qualified, attributes, body: xml.slice(close + 1, end.bodyEnd) });
    at = end.after;
  }
  return out;
}

/**
 * The end tag of the element `qualified` whose body starts at `from`, counting nested ones of that name. One
 * forward pass: the next start and end tag positions are each searched again only once passed.
 */
function matchingEnd(xml: string, qualified: string, from: number): { bodyEnd: number; after: number } | undefined {
  const endTag = `</${qualified}`;
  const startTag = `<${qualified}`;
  let depth = 1;
  let at = from;
  let nextEnd = -1;
  let nextStart = -1;
  for (;;) {
    if (nextEnd < at) nextEnd = xml.indexOf(endTag, at);
    if (nextEnd < 0) return undefined;
    if (nextStart !== -2 && nextStart < at) {
      nextStart = xml.indexOf(startTag, at);
      if (nextStart < 0) nextStart = -2; // none left: never search again
    }
    if (nextStart >= 0 && nextStart < nextEnd) {
      const next = xml[nextStart + startTag.length];
      const close = xml.indexOf('>', nextStart);
      if (close < 0) return undefined;
      if (next !== undefined && NAME_END.test(next) && xml[close - 1] !== '/') depth++;
      at = nextStart + startTag.length;
      continue;
    }
    const after = xml.indexOf('>', nextEnd);
    if (after < 0) return undefined;
    depth--;
    if (depth === 0) return { bodyEnd: nextEnd, after: after + 1 };
    at = after + 1;
  }
}

/** The trimmed, entity-decoded text of the first `name` element that has text, or undefined. */
export function findText(xml: string, name: string): string | undefined {
  for (const element of findElements(xml, name)) {
    if (element.body.includes('<')) continue;
    const text = decodeEntities(element.body).trim();
    if (text !== '') return text;
  }
  return undefined;
}
