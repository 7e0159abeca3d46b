import { randomUUID } from 'node:crypto';
import { decodeEntities, findElements, findText } from './xml.js';

/** WS-Discovery (2005/04, what ONVIF devices answer): the multicast group and port of Probe messages. */
export const WS_DISCOVERY_ADDRESS = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;

/**
 * A Probe for every device type (ONVIF Core 7.3.2 lets a client leave Types empty; cameras that want
 * `dn:NetworkVideoTransmitter` answer an empty Types too).
 */
export function buildProbe(messageId: string = `urn:uuid:${randomUUID()}`): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header>' +
    '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
    `<a:MessageID>${messageId}</a:MessageID>` +
    '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>' +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
    '</s:Header><s:Body><d:Probe><d:Types/><d:Scopes/></d:Probe></s:Body></s:Envelope>'
  );
}

export interface ProbeMatch {
  /** The device service URLs (`XAddrs`, space separated in the answer). */
  readonly xaddrs: readonly string[];
  readonly scopes: readonly string[];
  /** `onvif://www.onvif.org/name/<x>` scope, percent-decoded; '' when absent. */
  readonly name: string;
  /** `onvif://www.onvif.org/hardware/<x>` scope, percent-decoded; '' when absent. */
  readonly hardware: string;
  /** `RelatesTo`: the MessageID of the probe answered. */
  readonly relatesTo: string;
}

function scopeValue(scopes: readonly string[], prefix: string): string {
  const scope = scopes.find((s) => s.startsWith(prefix));
  if (scope === undefined) return '';
  try {
    return decodeURIComponent(scope.slice(prefix.length));
  } catch {
    return scope.slice(prefix.length);
  }
}

/**
 * The ONVIF devices of one ProbeMatches datagram. go2rtc's filter: an answer that does not mention "onvif"
 * (a printer, a media server) is no camera; a match without XAddrs cannot be reached.
 */
export function parseProbeMatches(xml: string): ProbeMatch[] {
  if (!xml.toLowerCase().includes('onvif')) return [];
  const relatesTo = findText(xml, 'RelatesTo') ?? '';
  const out: ProbeMatch[] = [];
  for (const match of findElements(xml, 'ProbeMatch', 16)) {
    const xaddrs = (findText(match.body, 'XAddrs') ?? '').split(/\s+/).filter((x) => x !== '');
    if (xaddrs.length === 0) continue;
    const scopes = decodeEntities(findText(match.body, 'Scopes') ?? '')
      .split(/\s+/)
      .filter((s) => s !== '');
    out.push({
      xaddrs,
      scopes,
      name: scopeValue(scopes, 'onvif://www.onvif.org/name/'),
      hardware: scopeValue(scopes, 'onvif://www.onvif.org/hardware/'),
      relatesTo,
    });
  }
  return out;
}
