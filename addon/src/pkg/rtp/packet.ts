import { RtpError } from './errors.js';

/** RFC 3550 5.3.1 header extension: a profile-defined 16-bit id and whole 32-bit words of data. */
export interface RtpHeaderExtension {
  readonly profile: number;
  /** A view into the packet. */
  readonly data: Buffer;
}

/** One parsed RTP packet (RFC 3550 5.1). `payload` is a view into the parsed buffer, padding removed. */
export interface RtpPacket {
  readonly version: number;
  readonly padding: boolean;
  readonly extension: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  /** uint16. */
  readonly sequence: number;
  /** uint32, in the payload format's clock. */
  readonly timestamp: number;
  /** uint32. */
  readonly ssrc: number;
  readonly csrc: readonly number[];
  readonly headerExtension?: RtpHeaderExtension;
  readonly payload: Buffer;
}

export const RTP_HEADER_SIZE = 12;

/** A packet without CSRCs (nearly all of them) shares this one list. */
const NO_CSRC: readonly number[] = Object.freeze([]);

/**
 * Parses an RTP packet without copying: header extension and payload are views into `buf`.
 *
 * Bytes are read by index, not with `Buffer#readUInt16BE`/`readUInt32BE`: a publisher's packets are parsed
 * before the optimizing compiler is on (addon/src/main.ts), and there each of those calls goes through
 * Node 20's `validateNumber` wrapper, which allocates its arguments as an array. That was 143 of the 783 KB/s
 * a publisher with no reader allocated (V8's sampling heap profiler, collected objects included).
 */
export function parseRtp(buf: Buffer): RtpPacket {
  const length = buf.length;
  if (length < RTP_HEADER_SIZE) throw new RtpError('RTP_TRUNCATED', `${length} bytes, an RTP header has 12`);
  const b0 = buf[0] as number;
  const b1 = buf[1] as number;
  const version = b0 >> 6;
  if (version !== 2) throw new RtpError('RTP_BAD_VERSION', `RTP version ${version}, expected 2`);
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let pos = RTP_HEADER_SIZE;
  if (length < pos + csrcCount * 4) {
    throw new RtpError('RTP_TRUNCATED', `${csrcCount} CSRCs do not fit ${length} bytes`);
  }
  let csrc = NO_CSRC;
  if (csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < csrcCount; i++, pos += 4) list.push(uint32At(buf, pos));
    csrc = list;
  }
  let headerExtension: RtpHeaderExtension | undefined;
  if (extension) {
    if (length < pos + 4) throw new RtpError('RTP_TRUNCATED', 'packet ends inside the header extension header');
    const profile = uint16At(buf, pos);
    const size = uint16At(buf, pos + 2) * 4;
    pos += 4;
    if (length < pos + size) {
      throw new RtpError('RTP_TRUNCATED', `header extension of ${size} bytes, only ${length - pos} left`);
    }
    headerExtension = { profile, data: buf.subarray(pos, pos + size) };
    pos += size;
  }
  let end = length;
  if (padding) {
    const count = buf[length - 1] as number;
    if (count === 0 || count > end - pos) {
      throw new RtpError('RTP_TRUNCATED', `padding of ${count} bytes in a payload of ${end - pos}`);
    }
    end -= count;
  }
  const packet: RtpPacket = {
    version,
    padding,
    extension,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: uint16At(buf, 2),
    timestamp: uint32At(buf, 4),
    ssrc: uint32At(buf, 8),
    csrc,
    payload: buf.subarray(pos, end),
  };
  return headerExtension ? { ...packet, headerExtension } : packet;
}

/**
 * Where an RTP packet's payload starts (after the CSRCs and the header extension), or -1 when the header is
 * not whole. Bytes read by index, for parseRtp's reason.
 */
export function rtpPayloadStart(packet: Uint8Array): number {
  const length = packet.length;
  if (length < RTP_HEADER_SIZE) return -1;
  const b0 = packet[0] as number;
  let start = RTP_HEADER_SIZE + (b0 & 0x0f) * 4;
  if ((b0 & 0x10) !== 0) {
    if (length < start + 4) return -1;
    start += 4 + uint16At(packet, start + 2) * 4;
  }
  return start <= length ? start : -1;
}

/** The RTP timestamp of a packet whose 12-byte header the caller has checked is there. */
export function readRtpTimestamp(packet: Uint8Array): number {
  return uint32At(packet, 4);
}

/** Big-endian uint16 at `pos`; the caller has checked that the bytes are there. */
function uint16At(buf: Uint8Array, pos: number): number {
  return ((buf[pos] as number) << 8) | (buf[pos + 1] as number);
}

/** Big-endian uint32 at `pos`; the caller has checked that the bytes are there. */
function uint32At(buf: Uint8Array, pos: number): number {
  return (
    (((buf[pos] as number) << 24) |
      ((buf[pos + 1] as number) << 16) |
      ((buf[pos + 2] as number) << 8) |
      (buf[pos + 3] as number)) >>>
    0
  );
}

/** What a sender chooses for a header; version is always 2. */
export interface RtpHeaderFields {
  /** Defaults to false. */
  readonly marker?: boolean;
  readonly payloadType: number;
  /** Taken modulo 2^16. */
  readonly sequence: number;
  /** Taken modulo 2^32, so an unwrapped timestamp can be passed as is. */
  readonly timestamp: number;
  readonly ssrc: number;
  /** Defaults to none. At most 15. */
  readonly csrc?: readonly number[];
  /** Defaults to none. `data` must be a whole number of 32-bit words. */
  readonly headerExtension?: RtpHeaderExtension;
  /**
   * Bytes of padding the caller appends after the payload (the last of which holds this count); sets the
   * P bit. Defaults to 0. The header does not contain the padding: it is the caller's last part.
   */
  readonly paddingSize?: number;
}

/**
 * Serializes the header only (12 bytes plus CSRCs and extension), so a writer can send
 * `[header, ...payloadParts]` with writev and never copy the payload.
 */
export function serializeRtpHeader(fields: RtpHeaderFields): Buffer {
  const csrc = fields.csrc ?? [];
  const ext = fields.headerExtension;
  if (csrc.length > 15) throw new RtpError('RTP_BAD_OPTIONS', `${csrc.length} CSRCs, at most 15`);
  if (!Number.isInteger(fields.payloadType) || fields.payloadType < 0 || fields.payloadType > 127) {
    throw new RtpError('RTP_BAD_OPTIONS', `payload type ${fields.payloadType} is not 0..127`);
  }
  if (ext && (ext.data.length % 4 !== 0 || ext.data.length > 0xffff * 4)) {
    throw new RtpError(
      'RTP_BAD_OPTIONS',
      `header extension of ${ext.data.length} bytes is not a whole number of words`,
    );
  }
  const paddingSize = fields.paddingSize ?? 0;
  const size = RTP_HEADER_SIZE + csrc.length * 4 + (ext ? 4 + ext.data.length : 0);
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x80 | (paddingSize > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrc.length;
  out[1] = (fields.marker ? 0x80 : 0) | fields.payloadType;
  out.writeUInt16BE(fields.sequence & 0xffff, 2);
  out.writeUInt32BE(fields.timestamp >>> 0, 4);
  out.writeUInt32BE(fields.ssrc >>> 0, 8);
  let pos = RTP_HEADER_SIZE;
  for (const id of csrc) {
    out.writeUInt32BE(id >>> 0, pos);
    pos += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile & 0xffff, pos);
    out.writeUInt16BE(ext.data.length / 4, pos + 2);
    ext.data.copy(out, pos + 4);
  }
  return out;
}
