import type { CodecJson } from '../../core/codec.js';
import type { ConnectionJson } from '../../core/connection.js';
import type { StreamJson } from '../streams/stream.js';
import { maskSecrets } from './errors.js';

/**
 * `GET /api/streams.dot`: the streams as a Graphviz graph, in go2rtc's layout (host → producer → receivers,
 * sender parents → consumer → host), which its network page renders. Idle producers have no node.
 */
export function streamsDot(streams: readonly StreamJson[]): string {
  const lines: string[] = ['digraph {'];
  for (const stream of streams) {
    for (const producer of stream.producers ?? []) {
      if (isConnection(producer)) appendConnection(lines, producer, 'producer');
    }
    for (const consumer of stream.consumers ?? []) appendConnection(lines, consumer, 'consumer');
  }
  lines.push('}');
  return maskSecrets(lines.join('\n'));
}

function isConnection(value: ConnectionJson | { url: string }): value is ConnectionJson {
  return 'id' in value && typeof value.id === 'number';
}

function appendConnection(lines: string[], conn: ConnectionJson, group: 'producer' | 'consumer'): void {
  const host = quote(hostOf(conn));
  lines.push(`${host} [group=host];`);
  lines.push(`${conn.id} [group=${group}, label=${quote(conn.format_name ?? '')}, title=${quote(label(conn))}];`);
  if (group === 'producer') lines.push(`${host} -> ${conn.id} [label=${quote(humanBytes(conn.bytes_recv ?? 0))}];`);
  else lines.push(`${conn.id} -> ${host} [label=${quote(humanBytes(conn.bytes_send ?? 0))}];`);
  for (const receiver of conn.receivers ?? []) {
    lines.push(`${conn.id} -> ${receiver.id} [label=${quote(humanBytes(receiver.bytes ?? 0))}];`);
    lines.push(
      `${receiver.id} [group=node, label=${quote(receiver.codec.codec_name)}, title=${quote(codecTitle(receiver.codec))}];`,
    );
  }
  for (const sender of conn.senders ?? []) {
    if (sender.parent) lines.push(`${sender.parent} -> ${conn.id} [label=${quote(humanBytes(sender.bytes ?? 0))}];`);
  }
}

/** The peer's host: `192.168.1.2:5555` → `192.168.1.2`; a proxied client shows the forwarded address. */
function hostOf(conn: ConnectionJson): string {
  if (conn.protocol === 'pipe') return '127.0.0.1';
  let s = conn.remote_addr ?? '';
  if (s === '') return 'unknown';
  const forwarded = s.indexOf('forwarded');
  if (forwarded > 0) s = s.slice(forwarded + 10);
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end > 0) return s.slice(1, end);
  }
  const cut = s.search(/[ ,:]/);
  return cut > 0 ? s.slice(0, cut) : s;
}

function label(conn: ConnectionJson): string {
  const parts = [`format_name=${conn.format_name ?? ''}`];
  if (conn.protocol) parts.push(`protocol=${conn.protocol}`);
  if (conn.source) parts.push(`source=${conn.source}`);
  if (conn.url) parts.push(`url=${conn.url}`);
  if (conn.user_agent) parts.push(`user_agent=${conn.user_agent}`);
  // go2rtc issue 1603: quotes inside a title break its page's parser.
  return parts.join('\n').replaceAll('"', "'");
}

function codecTitle(codec: CodecJson): string {
  const parts: string[] = [`codec_name=${codec.codec_name}`];
  if (codec.sample_rate !== undefined) parts.push(`sample_rate=${codec.sample_rate}`);
  if (codec.channels !== undefined) parts.push(`channels=${codec.channels}`);
  if (codec.profile !== undefined) parts.push(`profile=${codec.profile}`);
  if (codec.level !== undefined) parts.push(`level=${codec.level}`);
  return parts.join('\n');
}

/** Decimal units, two decimals, as go2rtc: `999 B`, `1.23 KB`, `4.56 MB`. */
export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  let f = n / 1000;
  let unit = 0;
  while (f >= 1000 && unit < 4) {
    f /= 1000;
    unit++;
  }
  return `${f.toFixed(2)} ${'KMGTP'[unit]}B`;
}

function quote(text: string): string {
  return JSON.stringify(text);
}
