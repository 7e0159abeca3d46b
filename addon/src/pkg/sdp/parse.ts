import { SdpError } from './errors.js';
import type { SdpAttribute, SdpConnection, SdpLine, SdpMedia, SdpOrigin, SdpSession, SdpTiming } from './types.js';

/** Real descriptions are a few KB; these caps keep a hostile one cheap to reject. */
export const SDP_LIMITS = { bytes: 256 * 1024, lines: 4096, medias: 64 } as const;

interface MediaDraft {
  type: string;
  port: number;
  portCount?: number;
  protocol: string;
  formats: string[];
  info?: string;
  connection?: SdpConnection;
  bandwidths: string[];
  attributes: SdpAttribute[];
  otherLines: SdpLine[];
}

function parseConnection(value: string): SdpConnection | undefined {
  const [netType, addrType, address] = value.split(/\s+/);
  if (netType === undefined || addrType === undefined || address === undefined) return undefined;
  return { netType, addrType, address };
}

function parseOrigin(value: string): SdpOrigin | undefined {
  const parts = value.split(/\s+/);
  // Some cameras leave the username out entirely ("o=1 1 IN IP4 ..."): take the fields from the end.
  if (parts.length < 5) return undefined;
  const tail = parts.slice(-5);
  const [sessionId, sessionVersion, netType, addrType, address] = tail as [string, string, string, string, string];
  const username = parts.length >= 6 ? parts.slice(0, parts.length - 5).join(' ') : '-';
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

function parseMediaLine(value: string): MediaDraft {
  // Missing fields become '-' so the line writes back the same way it reads.
  const [type = '-', portText = '', protocol = '-', ...formats] = value.split(/\s+/).map((t) => t || '-');
  const [port, count] = portText.split('/');
  const portNumber = /^\d{1,5}$/.test(port ?? '') ? Number(port) : 0;
  const draft: MediaDraft = {
    type,
    port: portNumber,
    protocol,
    formats,
    bandwidths: [],
    attributes: [],
    otherLines: [],
  };
  if (count !== undefined && /^\d{1,5}$/.test(count)) draft.portCount = Number(count);
  return draft;
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  if (colon < 0) return { name: value.trim() };
  return { name: value.slice(0, colon).trim(), value: value.slice(colon + 1).trim() };
}

/**
 * Parses a session description leniently, as cameras write them: CRLF or LF (or CR) line ends, trailing
 * spaces, lines out of order or missing (`v=`, `o=`, `t=`), a second `s=` or a `s=` inside a media section
 * (ignored), lines that are not `x=value` (skipped), unknown attributes and line types (kept). Throws
 * SdpError only when nothing at all is SDP, or when a size cap is exceeded.
 */
export function parseSdp(input: string | Buffer): SdpSession {
  if (input.length > SDP_LIMITS.bytes)
    throw new SdpError('SDP_LIMIT', `${input.length} bytes, cap ${SDP_LIMITS.bytes}`);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > SDP_LIMITS.lines)
    throw new SdpError('SDP_LIMIT', `${lines.length} lines, cap ${SDP_LIMITS.lines}`);
  let version = 0;
  let origin: SdpOrigin | undefined;
  let name: string | undefined;
  let info: string | undefined;
  let uri: string | undefined;
  let connection: SdpConnection | undefined;
  const emails: string[] = [];
  const phones: string[] = [];
  const bandwidths: string[] = [];
  const timings: SdpTiming[] = [];
  const attributes: SdpAttribute[] = [];
  const otherLines: SdpLine[] = [];
  const medias: MediaDraft[] = [];
  let media: MediaDraft | undefined;
  let valid = 0;
  for (const raw of lines) {
    const line = raw.trim();
    const match = /^([a-zA-Z])\s*=(.*)$/.exec(line);
    if (match === null) continue;
    valid++;
    const type = (match[1] ?? '').toLowerCase();
    const value = (match[2] ?? '').trim();
    if (type === 'm') {
      if (medias.length >= SDP_LIMITS.medias)
        throw new SdpError('SDP_LIMIT', `more than ${SDP_LIMITS.medias} media sections`);
      media = parseMediaLine(value);
      medias.push(media);
      continue;
    }
    if (media !== undefined) {
      if (type === 'a') media.attributes.push(parseAttribute(value));
      else if (type === 'c') {
        const connection = parseConnection(value);
        if (connection !== undefined) media.connection = connection;
      } else if (type === 'b') media.bandwidths.push(value);
      else if (type === 'i') media.info = value;
      // A session line repeated inside a media section (seen on cameras) means nothing there.
      else if (type !== 's' && type !== 'v' && type !== 'o' && type !== 't') media.otherLines.push({ type, value });
      continue;
    }
    switch (type) {
      case 'v':
        version = /^\d+$/.test(value) ? Number(value) : 0;
        break;
      case 'o':
        origin = parseOrigin(value) ?? origin;
        break;
      case 's':
        name ??= value;
        break;
      case 'i':
        info ??= value;
        break;
      case 'u':
        uri ??= value;
        break;
      case 'e':
        emails.push(value);
        break;
      case 'p':
        phones.push(value);
        break;
      case 'c':
        connection = parseConnection(value) ?? connection;
        break;
      case 'b':
        bandwidths.push(value);
        break;
      case 't': {
        const [start = '0', stop = '0'] = value.split(/\s+/).map((t) => t || '0');
        timings.push({ start, stop });
        break;
      }
      case 'a':
        attributes.push(parseAttribute(value));
        break;
      default:
        otherLines.push({ type, value });
    }
  }
  if (valid === 0) throw new SdpError('SDP_EMPTY', 'no SDP line in the description');
  const session: SdpSession = {
    version,
    name: name ?? '-',
    emails,
    phones,
    bandwidths,
    timings,
    attributes,
    medias: medias.map((m): SdpMedia => ({ ...m })),
    otherLines,
  };
  return {
    ...session,
    ...(origin !== undefined ? { origin } : {}),
    ...(info !== undefined ? { info } : {}),
    ...(uri !== undefined ? { uri } : {}),
    ...(connection !== undefined ? { connection } : {}),
  };
}
