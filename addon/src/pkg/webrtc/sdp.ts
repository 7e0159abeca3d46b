import { WebrtcPkgError } from './errors.js';

/** SDP direction attribute, from the side that wrote the SDP. */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One payload type of an m-line: its rtpmap, fmtp and rtcp-fb lines. */
export interface SdpCodec {
  readonly payloadType: number;
  /** Encoding name upper-cased: `H264`, `OPUS`, `PCMU`, `RTX`. */
  readonly name: string;
  readonly clockRate: number;
  /** Audio channels from the rtpmap; 0 when not given (video, mono audio without the field). */
  readonly channels: number;
  readonly fmtp?: string;
  /** `nack`, `nack pli`, `ccm fir`, `transport-cc`, ... */
  readonly rtcpFb: readonly string[];
}

/** One media section of an offer or answer. */
export interface SdpMedia {
  /** Position among the m-lines (the m-line index of candidates). */
  readonly index: number;
  /** `audio`, `video`, `application`, or whatever the line says. */
  readonly kind: string;
  readonly port: number;
  readonly protocol: string;
  readonly mid?: string;
  /** `a=bundle-only`: port 0 then means "in the bundle", not "rejected". */
  readonly bundleOnly: boolean;
  readonly direction: SdpDirection;
  /** In the order of the m-line's format list, which is the writer's preference. */
  readonly codecs: readonly SdpCodec[];
}

/** Offers from browsers are a few KiB; anything far larger is not one. */
export const MAX_SDP_BYTES = 128 * 1024;
const MAX_MEDIAS = 64;
const MAX_FORMATS = 256;

/** Static payload types (RFC 3551) that may appear without an rtpmap. */
const STATIC_TYPES: ReadonlyMap<number, { name: string; clockRate: number; channels: number }> = new Map([
  [0, { name: 'PCMU', clockRate: 8000, channels: 1 }],
  [8, { name: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { name: 'G722', clockRate: 8000, channels: 1 }],
]);

export interface RawSection {
  lines: string[];
}

/** Splits an SDP into its session part and media sections (lines without CR). Throws SDP_INVALID/SDP_LIMIT. */
export function splitSections(sdp: string): { session: string[]; medias: RawSection[] } {
  if (sdp.length > MAX_SDP_BYTES)
    throw new WebrtcPkgError('SDP_LIMIT', `SDP of ${sdp.length} bytes, at most ${MAX_SDP_BYTES}`);
  const lines = sdp.split(/\r?\n/).filter((line) => line !== '');
  if (lines[0]?.trim() !== 'v=0') throw new WebrtcPkgError('SDP_INVALID', 'SDP does not start with v=0');
  const session: string[] = [];
  const medias: RawSection[] = [];
  for (const line of lines) {
    if (!/^[a-z]=/.test(line))
      throw new WebrtcPkgError('SDP_INVALID', `SDP line is not type=value: ${JSON.stringify(line.slice(0, 40))}`);
    if (line.startsWith('m=')) {
      if (medias.length >= MAX_MEDIAS) throw new WebrtcPkgError('SDP_LIMIT', `more than ${MAX_MEDIAS} media sections`);
      medias.push({ lines: [line] });
    } else if (medias.length > 0) {
      (medias[medias.length - 1] as RawSection).lines.push(line);
    } else {
      session.push(line);
    }
  }
  return { session, medias };
}

function directionOf(lines: readonly string[]): SdpDirection | undefined {
  for (const line of lines) {
    if (line === 'a=sendrecv' || line === 'a=sendonly' || line === 'a=recvonly' || line === 'a=inactive') {
      return line.slice(2) as SdpDirection;
    }
  }
  return undefined;
}

/** Parses the media sections of an SDP. Throws WebrtcPkgError on text that is not an SDP. */
export function parseSdpMedias(sdp: string): SdpMedia[] {
  const { session, medias } = splitSections(sdp);
  const sessionDirection = directionOf(session) ?? 'sendrecv';
  return medias.map((section, index) => parseSection(section.lines, index, sessionDirection));
}

function parseSection(lines: readonly string[], index: number, sessionDirection: SdpDirection): SdpMedia {
  const mline = (lines[0] ?? '').slice(2).split(' ');
  const [kind = '', portText = '', protocol = '', ...formats] = mline;
  const port = Number(portText.split('/')[0]);
  if (kind === '' || !Number.isInteger(port) || port < 0 || port > 65535 || protocol === '') {
    throw new WebrtcPkgError('SDP_INVALID', `bad m-line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  }
  if (formats.length > MAX_FORMATS)
    throw new WebrtcPkgError('SDP_LIMIT', `more than ${MAX_FORMATS} formats in one m-line`);
  const rtpmap = new Map<number, { name: string; clockRate: number; channels: number }>();
  const fmtp = new Map<number, string>();
  const rtcpFb = new Map<number, string[]>();
  let mid: string | undefined;
  for (const line of lines) {
    if (line.startsWith('a=mid:')) mid = line.slice(6).trim();
    let match = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(line);
    if (match) {
      rtpmap.set(Number(match[1]), {
        name: (match[2] ?? '').toUpperCase(),
        clockRate: Number(match[3]),
        channels: Number(match[4] ?? 0),
      });
      continue;
    }
    match = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (match) {
      fmtp.set(Number(match[1]), (match[2] ?? '').trim());
      continue;
    }
    match = /^a=rtcp-fb:(\d+|\*) (.*)$/.exec(line);
    if (match && match[1] !== '*') {
      const pt = Number(match[1]);
      const list = rtcpFb.get(pt) ?? [];
      if (list.length < 32) list.push((match[2] ?? '').trim());
      rtcpFb.set(pt, list);
    }
  }
  const codecs: SdpCodec[] = [];
  const isRtp = protocol.includes('RTP');
  if (isRtp) {
    for (const format of formats) {
      const pt = Number(format);
      if (!Number.isInteger(pt) || pt < 0 || pt > 127) continue;
      const map = rtpmap.get(pt) ?? STATIC_TYPES.get(pt);
      if (!map) continue;
      const params = fmtp.get(pt);
      codecs.push({
        payloadType: pt,
        ...map,
        ...(params !== undefined ? { fmtp: params } : {}),
        rtcpFb: rtcpFb.get(pt) ?? [],
      });
    }
  }
  // Port 0 rejects the m-line, except with `a=bundle-only`: Firefox writes its bundled sections that way.
  const bundleOnly = lines.includes('a=bundle-only');
  const direction = port === 0 && !bundleOnly ? 'inactive' : (directionOf(lines) ?? sessionDirection);
  return { index, kind, port, protocol, ...(mid !== undefined ? { mid } : {}), direction, bundleOnly, codecs };
}

/**
 * Rewrites an SDP so that each listed m-line offers only the given payload types, in that order (with their
 * rtpmap/fmtp/rtcp-fb lines; the rest are dropped). m-lines not in `keep` are left as they are. This is how
 * the answer ends up naming exactly the codec the stream sends, whatever the peer library would pick.
 */
export function keepPayloadTypes(sdp: string, keep: ReadonlyMap<number, readonly number[]>): string {
  const { session, medias } = splitSections(sdp);
  const out: string[] = [...session];
  medias.forEach((section, index) => {
    const wanted = keep.get(index);
    if (!wanted) {
      out.push(...section.lines);
      return;
    }
    const allowed = new Set(wanted);
    const [mline = '', ...rest] = section.lines;
    const parts = mline.split(' ');
    out.push([...parts.slice(0, 3), ...wanted.map(String)].join(' '));
    for (const line of rest) {
      const match = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+) /.exec(line);
      if (match && !allowed.has(Number(match[1]))) continue;
      out.push(line);
    }
  });
  return out.join('\r\n') + '\r\n';
}

/**
 * Adds `a=candidate:` lines (given without the `a=` prefix) to every media section, before an
 * `a=end-of-candidates` if there is one. A bundled answer needs them only once, but repeating them is what
 * browsers and go2rtc do, and a peer that does not bundle needs them everywhere.
 */
export function addCandidates(sdp: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return sdp;
  const { session, medias } = splitSections(sdp);
  const out: string[] = [...session];
  const lines = candidates.map((c) => `a=${c.startsWith('candidate:') ? c : `candidate:${c}`}`);
  for (const section of medias) {
    const end = section.lines.indexOf('a=end-of-candidates');
    if (end < 0) {
      out.push(...section.lines, ...lines);
    } else {
      out.push(...section.lines.slice(0, end), ...lines, ...section.lines.slice(end));
    }
  }
  return out.join('\r\n') + '\r\n';
}

/**
 * The SDP with exactly `candidates` (attribute values, with or without `a=`) in the media sections listed
 * in `sections` (default: the first), each followed by `a=end-of-candidates`; every candidate and
 * end-of-candidates line it had is removed. With BUNDLE the tagged section carries the transport (go2rtc
 * writes them there too), so each candidate is advertised once; an answer without BUNDLE whose m-lines share
 * one transport lists them in each of those.
 */
export function setCandidates(
  sdp: string,
  candidates: readonly string[],
  sections: ReadonlySet<number> = new Set([0]),
): string {
  const { session, medias } = splitSections(sdp);
  const out: string[] = [...session];
  const lines = candidates.map(
    (c) => `a=${c.replace(/^a=/, '').startsWith('candidate:') ? c.replace(/^a=/, '') : `candidate:${c}`}`,
  );
  medias.forEach((section, index) => {
    const kept = section.lines.filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates');
    out.push(...kept);
    if (sections.has(index)) out.push(...lines, 'a=end-of-candidates');
  });
  return out.join('\r\n') + '\r\n';
}

/** The `a=ice-ufrag` of the first section that has one (or the session's). */
export function iceUfrag(sdp: string): string | undefined {
  const match = /^a=ice-ufrag:(\S+)/m.exec(sdp);
  return match?.[1];
}

/**
 * Gives bundled m-lines that an answer left unused port 9 instead of 0. werift writes an inactive section
 * as rejected (port 0), and Firefox refuses an answer whose BUNDLE tag (the first mid of the group, e.g. a
 * video line when the stream has no video the browser decodes) is rejected; inactive but kept is valid.
 */
export function keepBundledSections(sdp: string): string {
  const group = /^a=group:BUNDLE (.*)$/m.exec(sdp)?.[1]?.trim().split(/\s+/) ?? [];
  if (group.length === 0) return sdp;
  const { session, medias } = splitSections(sdp);
  const out: string[] = [...session];
  for (const section of medias) {
    const mid = section.lines
      .find((l) => l.startsWith('a=mid:'))
      ?.slice(6)
      .trim();
    const [mline = '', ...rest] = section.lines;
    const parts = mline.split(' ');
    if (mid !== undefined && group.includes(mid) && parts[1] === '0') parts[1] = '9';
    out.push(parts.join(' '), ...rest);
  }
  return out.join('\r\n') + '\r\n';
}
