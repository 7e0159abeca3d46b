import { codecToJson, type CodecJson } from './codec.js';
import type { Media } from './media.js';
import { mediaToString } from './media.js';
import type { Receiver, Sender } from './track.js';

/** go2rtc's `format_name` values that existing clients may read. */
export type FormatName = string;

/** Descriptive fields every connection (producer or consumer) exposes in `/api/streams`. */
export interface ConnectionDescription {
  formatName: FormatName;
  protocol?: string;
  remoteAddr?: string;
  source?: string;
  url?: string;
  sdp?: string;
  userAgent?: string;
}

export interface ReceiverJson {
  id: number;
  codec: CodecJson;
  childs?: number[];
  bytes?: number;
  packets?: number;
}

export interface SenderJson {
  id: number;
  codec: CodecJson;
  parent?: number;
  bytes?: number;
  packets?: number;
  drops?: number;
}

/** The JSON shape of a connection in `/api/streams` (go2rtc's `core.Connection`, empty fields omitted). */
export interface ConnectionJson {
  id: number;
  format_name?: string;
  protocol?: string;
  remote_addr?: string;
  source?: string;
  url?: string;
  sdp?: string;
  user_agent?: string;
  medias?: string[];
  receivers?: ReceiverJson[];
  senders?: SenderJson[];
  bytes_recv?: number;
  bytes_send?: number;
  /** ts2rtc addition: why the connection failed last (go2rtc puts nothing here; clients ignore it). */
  error?: string;
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

/**
 * Builds the connection JSON from what every adapter has anyway: its description, medias, receivers, senders
 * and byte counters. Byte counters are the adapter's socket totals, not sums of tracks, as in go2rtc.
 */
export function connectionJson(
  id: number,
  description: ConnectionDescription,
  parts: {
    medias?: readonly Media[];
    receivers?: readonly Receiver[];
    senders?: readonly Sender[];
    bytesRecv?: number;
    bytesSend?: number;
    error?: string;
  },
): ConnectionJson {
  const json: ConnectionJson = { id };
  if (description.formatName) json.format_name = description.formatName;
  if (description.protocol) json.protocol = description.protocol;
  if (description.remoteAddr) json.remote_addr = description.remoteAddr;
  if (description.source) json.source = description.source;
  if (description.url) json.url = description.url;
  if (description.sdp) json.sdp = description.sdp;
  if (description.userAgent) json.user_agent = description.userAgent;
  const medias = nonEmpty((parts.medias ?? []).map(mediaToString));
  if (medias) json.medias = medias;
  const receivers = nonEmpty(
    (parts.receivers ?? []).map((r): ReceiverJson => {
      const item: ReceiverJson = { id: r.id, codec: codecToJson(r.codec) };
      const childs = r.sinkIds;
      if (childs.length > 0) item.childs = childs;
      if (r.stats.bytes) item.bytes = r.stats.bytes;
      if (r.stats.packets) item.packets = r.stats.packets;
      return item;
    }),
  );
  if (receivers) json.receivers = receivers;
  const senders = nonEmpty(
    (parts.senders ?? []).map((s): SenderJson => {
      const item: SenderJson = { id: s.id, codec: codecToJson(s.codec) };
      if (s.parentId) item.parent = s.parentId;
      if (s.stats.bytes) item.bytes = s.stats.bytes;
      if (s.stats.packets) item.packets = s.stats.packets;
      if (s.stats.drops) item.drops = s.stats.drops;
      return item;
    }),
  );
  if (senders) json.senders = senders;
  if (parts.bytesRecv) json.bytes_recv = parts.bytesRecv;
  if (parts.bytesSend) json.bytes_send = parts.bytesSend;
  if (parts.error) json.error = parts.error;
  return json;
}
