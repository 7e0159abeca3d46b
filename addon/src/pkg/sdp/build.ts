import type { SdpAttribute, SdpConnection, SdpMedia, SdpSession } from './types.js';

function attribute(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function connection(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function media(m: SdpMedia): string[] {
  const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
  const lines = [`m=${[m.type, port, m.protocol, ...m.formats].join(' ')}`];
  if (m.info !== undefined) lines.push(`i=${m.info}`);
  if (m.connection !== undefined) lines.push(connection(m.connection));
  for (const b of m.bandwidths) lines.push(`b=${b}`);
  for (const l of m.otherLines) lines.push(`${l.type}=${l.value}`);
  for (const a of m.attributes) lines.push(attribute(a));
  return lines;
}

/**
 * Writes a session description in RFC 8866 line order with CRLF line ends. Missing `o=` and `t=` are
 * written with neutral values, since strict parsers (pion, live555) require them.
 */
export function buildSdp(session: SdpSession): string {
  const o = session.origin ?? {
    username: '-',
    sessionId: '0',
    sessionVersion: '0',
    netType: 'IN',
    addrType: 'IP4',
    address: '0.0.0.0',
  };
  const lines = [
    `v=${session.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${session.name === '' ? '-' : session.name}`,
  ];
  if (session.info !== undefined) lines.push(`i=${session.info}`);
  if (session.uri !== undefined) lines.push(`u=${session.uri}`);
  for (const e of session.emails) lines.push(`e=${e}`);
  for (const p of session.phones) lines.push(`p=${p}`);
  if (session.connection !== undefined) lines.push(connection(session.connection));
  for (const b of session.bandwidths) lines.push(`b=${b}`);
  const timings = session.timings.length > 0 ? session.timings : [{ start: '0', stop: '0' }];
  for (const t of timings) lines.push(`t=${t.start} ${t.stop}`);
  for (const l of session.otherLines) lines.push(`${l.type}=${l.value}`);
  for (const a of session.attributes) lines.push(attribute(a));
  for (const m of session.medias) lines.push(...media(m));
  return `${lines.join('\r\n')}\r\n`;
}
