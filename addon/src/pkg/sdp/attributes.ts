import type { SdpAttribute, SdpMedia } from './types.js';

/** The first value of attribute `name` (names compared case-insensitively); '' for a flag; undefined if absent. */
export function getAttribute(attributes: readonly SdpAttribute[], name: string): string | undefined {
  const lower = name.toLowerCase();
  const found = attributes.find((a) => a.name.toLowerCase() === lower);
  return found === undefined ? undefined : (found.value ?? '');
}

export function getAttributes(attributes: readonly SdpAttribute[], name: string): string[] {
  const lower = name.toLowerCase();
  return attributes.filter((a) => a.name.toLowerCase() === lower).map((a) => a.value ?? '');
}

/** `a=rtpmap:<pt> <encoding name>/<clock rate>[/<channels>]`. */
export interface Rtpmap {
  readonly payloadType: number;
  /** As written (`H264`, `mpeg4-generic`, `pcma`). */
  readonly encodingName: string;
  readonly clockRate: number;
  /** 0 when not given. */
  readonly channels: number;
}

export function parseRtpmap(value: string): Rtpmap | undefined {
  const match = /^(\d{1,3})\s+([^/\s]+)\/(\d{1,9})(?:\/(\d{1,3}))?/.exec(value.trim());
  if (match === null) return undefined;
  const payloadType = Number(match[1]);
  if (payloadType > 127) return undefined;
  return {
    payloadType,
    encodingName: match[2] ?? '',
    clockRate: Number(match[3]),
    channels: match[4] === undefined ? 0 : Number(match[4]),
  };
}

/** The rtpmap of payload type `pt` in a media section. */
export function mediaRtpmap(media: SdpMedia, pt: number): Rtpmap | undefined {
  for (const value of getAttributes(media.attributes, 'rtpmap')) {
    const map = parseRtpmap(value);
    if (map !== undefined && map.payloadType === pt) return map;
  }
  return undefined;
}

/** The fmtp parameters of payload type `pt` (`a=fmtp:<pt> <params>`), verbatim. */
export function mediaFmtp(media: SdpMedia, pt: number): string | undefined {
  for (const value of getAttributes(media.attributes, 'fmtp')) {
    const match = /^(\d{1,3})(?:\s+(.*))?$/s.exec(value);
    if (match !== null && Number(match[1]) === pt) return (match[2] ?? '').trim();
  }
  return undefined;
}

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The direction attribute of a media section, or of the session when the section has none. */
export function mediaDirection(
  media: SdpMedia,
  session?: { readonly attributes: readonly SdpAttribute[] },
): SdpDirection | undefined {
  const find = (attributes: readonly SdpAttribute[]): SdpDirection | undefined => {
    for (const a of attributes) {
      const name = a.name.toLowerCase();
      if (name === 'sendrecv' || name === 'sendonly' || name === 'recvonly' || name === 'inactive') return name;
    }
    return undefined;
  };
  return find(media.attributes) ?? (session === undefined ? undefined : find(session.attributes));
}
