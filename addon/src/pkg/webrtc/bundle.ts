import { splitSections, type RawSection } from './sdp.js';

/**
 * The one ICE/DTLS transport of an offer that the server answers on (ts2rtc, like go2rtc/pion, runs one ICE
 * agent per peer).
 *
 * - With BUNDLE (RFC 8843) it is the transport of the offerer's BUNDLE tag: the first mid of the first
 *   `a=group:BUNDLE` whose m-line is not rejected. Every m-line of the group rides on it, with the tag's
 *   `ice-ufrag`/`ice-pwd` (RFC 8843 7.1.3, RFC 8839), whatever credentials the other m-lines carry: aiortc
 *   before 1.10 runs one ICE agent per m-line and offers a ufrag per m-line, and after a bundled answer keeps
 *   only the first agent. m-lines outside the group are other transports: they are answered rejected.
 * - Without BUNDLE it is the first m-line's transport, as pion (go2rtc) takes it. m-lines with the same
 *   credentials share it (one agent at the peer: the media all arrive on it); an m-line with credentials of
 *   its own is a separate ICE agent at the peer that would wait for checks that never come (and may fail the
 *   whole connection), so it is answered rejected instead.
 */
export interface OfferTransport {
  /** The offer has a BUNDLE group with a usable tag: the answer bundles the group's m-lines. */
  readonly bundled: boolean;
  /** The mids of the offer's first BUNDLE group (empty without BUNDLE). */
  readonly group: readonly string[];
  /** The m-line whose credentials and candidates are the transport (the BUNDLE tag, or the first m-line). */
  readonly tagIndex: number;
  readonly tagMid: string | undefined;
  /** The transport's ICE credentials (undefined when the offer has none, which werift rejects itself). */
  readonly ufrag: string | undefined;
  readonly pwd: string | undefined;
  /** m-line indexes on this transport; the others are answered rejected. */
  readonly members: ReadonlySet<number>;
}

interface Credentials {
  readonly ufrag: string | undefined;
  readonly pwd: string | undefined;
}

function attribute(lines: readonly string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  const line = lines.find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : line.slice(prefix.length).trim();
}

/** Port 0 without `a=bundle-only` rejects an m-line (RFC 8843 7.2: bundle-only sections are not rejected). */
function isRejected(section: RawSection): boolean {
  const port = (section.lines[0] ?? '').split(' ')[1]?.split('/')[0];
  return port === '0' && !section.lines.includes('a=bundle-only');
}

function sameCredentials(a: Credentials, b: Credentials): boolean {
  return a.ufrag === b.ufrag && a.pwd === b.pwd;
}

function credentialsOf(section: RawSection, session: Credentials): Credentials {
  return {
    ufrag: attribute(section.lines, 'ice-ufrag') ?? session.ufrag,
    pwd: attribute(section.lines, 'ice-pwd') ?? session.pwd,
  };
}

/** Which transport of `sdp` (an offer) the answer uses. Throws WebrtcPkgError (SDP_INVALID/SDP_LIMIT) on a non-SDP. */
export function offerTransport(sdp: string): OfferTransport {
  const { session, medias } = splitSections(sdp);
  const sessionCredentials: Credentials = {
    ufrag: attribute(session, 'ice-ufrag'),
    pwd: attribute(session, 'ice-pwd'),
  };
  const credentials = medias.map((section) => credentialsOf(section, sessionCredentials));
  const mids = medias.map((section) => attribute(section.lines, 'mid'));
  const groupLine = session.find((l) => /^a=group:BUNDLE(\s|$)/.test(l));
  const group =
    groupLine === undefined
      ? []
      : groupLine
          .slice('a=group:BUNDLE'.length)
          .trim()
          .split(/\s+/)
          .filter((m) => m !== '');

  let tagIndex = -1;
  for (const mid of group) {
    tagIndex = medias.findIndex((section, index) => mids[index] === mid && !isRejected(section));
    if (tagIndex >= 0) break;
  }
  if (tagIndex >= 0) {
    const members = new Set<number>();
    mids.forEach((mid, index) => {
      if (mid !== undefined && group.includes(mid)) members.add(index);
    });
    // A tag without credentials of its own borrows the first member's that has some (as werift does).
    let own = credentials[tagIndex] ?? sessionCredentials;
    if (own.ufrag === undefined || own.pwd === undefined) {
      own =
        [...members]
          .map((i) => credentials[i])
          .find((c): c is Credentials => c?.ufrag !== undefined && c.pwd !== undefined) ?? own;
    }
    return { bundled: true, group, tagIndex, tagMid: mids[tagIndex], ufrag: own.ufrag, pwd: own.pwd, members };
  }

  const first = Math.max(
    0,
    medias.findIndex((section) => !isRejected(section)),
  );
  const own = credentials[first] ?? sessionCredentials;
  const members = new Set<number>();
  credentials.forEach((c, index) => {
    if (sameCredentials(c, own) || (c.ufrag === undefined && c.pwd === undefined)) members.add(index);
  });
  if (medias.length > 0) members.add(first);
  return { bundled: false, group: [], tagIndex: first, tagMid: mids[first], ufrag: own.ufrag, pwd: own.pwd, members };
}

const DIRECTIONS: ReadonlySet<string> = new Set(['a=sendrecv', 'a=sendonly', 'a=recvonly', 'a=inactive']);

/**
 * The offer as the server's single ICE agent must read it (werift applies each m-line's ICE credentials to
 * the one bundled agent in turn, so the last m-line's would win, and a change restarts ICE): every m-line
 * carries the transport's `ice-ufrag`/`ice-pwd`; the candidates (and end-of-candidates) of m-lines whose own
 * credentials were different are dropped, since they belong to another agent of the peer; m-lines that are
 * not on the transport become `a=inactive`, so no media is negotiated on them.
 */
export function useOfferTransport(sdp: string, transport: OfferTransport): string {
  const { session, medias } = splitSections(sdp);
  if (transport.ufrag === undefined || transport.pwd === undefined) return sdp;
  const sessionCredentials: Credentials = {
    ufrag: attribute(session, 'ice-ufrag'),
    pwd: attribute(session, 'ice-pwd'),
  };
  const wanted: Credentials = { ufrag: transport.ufrag, pwd: transport.pwd };
  const out: string[] = [...session];
  medias.forEach((section, index) => {
    const own = credentialsOf(section, sessionCredentials);
    const foreign = !sameCredentials(own, wanted) && !(own.ufrag === undefined && own.pwd === undefined);
    const member = transport.members.has(index);
    const [mline = '', ...rest] = section.lines;
    const kept = rest.filter((line) => {
      if (line.startsWith('a=ice-ufrag:') || line.startsWith('a=ice-pwd:')) return false;
      if (foreign && (line.startsWith('a=candidate:') || line === 'a=end-of-candidates')) return false;
      if (!member && DIRECTIONS.has(line)) return false;
      return true;
    });
    out.push(
      mline,
      `a=ice-ufrag:${wanted.ufrag}`,
      `a=ice-pwd:${wanted.pwd}`,
      ...(member ? [] : ['a=inactive']),
      ...kept,
    );
  });
  return out.join('\r\n') + '\r\n';
}

/**
 * The answer's `a=group:BUNDLE` as RFC 8843 wants it: only the offered group's mids that are on the
 * transport, and no group at all when the offer had none (werift always writes one with every mid).
 */
export function answerBundleGroup(answer: string, transport: OfferTransport): string {
  const { session, medias } = splitSections(answer);
  const out: string[] = [];
  for (const line of session) {
    if (!/^a=group:BUNDLE(\s|$)/.test(line)) {
      out.push(line);
      continue;
    }
    if (!transport.bundled) continue;
    const mids = line
      .slice('a=group:BUNDLE'.length)
      .trim()
      .split(/\s+/)
      .filter((m) => m !== '');
    const onTransport = new Set<string>();
    medias.forEach((section, index) => {
      const mid = attribute(section.lines, 'mid');
      if (mid !== undefined && transport.members.has(index) && transport.group.includes(mid)) onTransport.add(mid);
    });
    const kept = mids.filter((mid) => onTransport.has(mid));
    if (kept.length > 0) out.push(`a=group:BUNDLE ${kept.join(' ')}`);
  }
  for (const section of medias) out.push(...section.lines);
  return out.join('\r\n') + '\r\n';
}

/** The m-lines of an answer that list the server's candidates: the BUNDLE tag, or each m-line on the transport. */
export function candidateSections(transport: OfferTransport): ReadonlySet<number> {
  return transport.bundled ? new Set([transport.tagIndex]) : transport.members;
}

/**
 * Whether a trickled remote candidate belongs to the transport: a candidate line that names another ufrag
 * (`... ufrag X`, as browsers write) is another ICE agent's and would only produce refused checks.
 */
export function candidateOnTransport(candidate: string, transport: OfferTransport): boolean {
  const ufrag = /\sufrag\s+(\S+)/.exec(candidate)?.[1];
  return ufrag === undefined || transport.ufrag === undefined || ufrag === transport.ufrag;
}
