import { RtpError } from './errors.js';

/** RFC 3550 6.4.1: one reception report about one source. */
export interface RtcpReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the previous report, as a fixed point number with 8 fractional bits (0..255). */
  readonly fractionLost: number;
  /** Cumulative packets lost, signed 24-bit (duplicates make it negative). */
  readonly packetsLost: number;
  /** Extended highest sequence number received: cycles << 16 | highest sequence. */
  readonly highestSequence: number;
  /** Interarrival jitter in RTP timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received from that source; 0 if none. */
  readonly lastSr: number;
  /** Delay since that SR in 1/65536 s; 0 if none. */
  readonly delaySinceLastSr: number;
}

export interface RtcpSenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  /** NTP timestamp: seconds since 1900 and 1/2^32 fractions. */
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly RtcpReportBlock[];
}

export interface RtcpReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly RtcpReportBlock[];
}

export interface RtcpSdesItem {
  /** 1 CNAME, 2 NAME, ... (RFC 3550 6.5). */
  readonly type: number;
  readonly text: string;
}

export interface RtcpSourceDescription {
  readonly type: 'sdes';
  readonly chunks: ReadonlyArray<{ readonly ssrc: number; readonly items: readonly RtcpSdesItem[] }>;
}

export interface RtcpBye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

/** APP, feedback (RTPFB/PSFB) and anything newer: kept as the count field and a view of the body. */
export interface RtcpOther {
  readonly type: 'other';
  readonly packetType: number;
  /** The 5-bit count/format field. */
  readonly count: number;
  readonly body: Buffer;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpBye | RtcpOther;

export const RtcpPacketType = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204, RTPFB: 205, PSFB: 206 } as const;

/** A compound packet holds a few reports; more than this is not RTCP from a camera or player. */
const MAX_RTCP_PACKETS = 64;
const REPORT_BLOCK_SIZE = 24;

/** Parses a compound RTCP packet (RFC 3550 6.1). Throws RtpError on bytes that are not RTCP. */
export function parseRtcp(buf: Buffer): RtcpPacket[] {
  const out: RtcpPacket[] = [];
  let pos = 0;
  if (buf.length < 4) throw new RtpError('RTCP_BAD_PACKET', `${buf.length} bytes, an RTCP header has 4`);
  while (pos < buf.length) {
    if (out.length >= MAX_RTCP_PACKETS) throw new RtpError('RTCP_BAD_PACKET', `more than ${MAX_RTCP_PACKETS} packets`);
    if (buf.length - pos < 4) throw new RtpError('RTCP_BAD_PACKET', `${buf.length - pos} stray bytes at ${pos}`);
    const b0 = buf.readUInt8(pos);
    if (b0 >> 6 !== 2) throw new RtpError('RTP_BAD_VERSION', `RTCP version ${b0 >> 6} at ${pos}, expected 2`);
    const count = b0 & 0x1f;
    const packetType = buf.readUInt8(pos + 1);
    const size = (buf.readUInt16BE(pos + 2) + 1) * 4;
    if (size > buf.length - pos) {
      throw new RtpError('RTCP_BAD_PACKET', `RTCP packet of ${size} bytes at ${pos}, only ${buf.length - pos} left`);
    }
    let body = buf.subarray(pos + 4, pos + size);
    if (b0 & 0x20) {
      const padding = body.length > 0 ? body.readUInt8(body.length - 1) : 0;
      if (padding === 0 || padding > body.length) throw new RtpError('RTCP_BAD_PACKET', `bad padding ${padding}`);
      body = body.subarray(0, body.length - padding);
    }
    out.push(parseOne(packetType, count, body));
    pos += size;
  }
  return out;
}

function parseOne(packetType: number, count: number, body: Buffer): RtcpPacket {
  switch (packetType) {
    case RtcpPacketType.SR: {
      need(body, 24 + count * REPORT_BLOCK_SIZE, 'SR');
      return {
        type: 'sr',
        ssrc: body.readUInt32BE(0),
        ntpSeconds: body.readUInt32BE(4),
        ntpFraction: body.readUInt32BE(8),
        rtpTimestamp: body.readUInt32BE(12),
        packetCount: body.readUInt32BE(16),
        octetCount: body.readUInt32BE(20),
        reports: reportBlocks(body, 24, count),
      };
    }
    case RtcpPacketType.RR:
      need(body, 4 + count * REPORT_BLOCK_SIZE, 'RR');
      return { type: 'rr', ssrc: body.readUInt32BE(0), reports: reportBlocks(body, 4, count) };
    case RtcpPacketType.SDES:
      return parseSdes(body, count);
    case RtcpPacketType.BYE: {
      need(body, count * 4, 'BYE');
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(body.readUInt32BE(i * 4));
      const at = count * 4;
      const length = body[at];
      if (length === undefined) return { type: 'bye', ssrcs };
      need(body, at + 1 + length, 'BYE reason');
      return { type: 'bye', ssrcs, reason: body.toString('utf8', at + 1, at + 1 + length) };
    }
    default:
      return { type: 'other', packetType, count, body };
  }
}

function need(body: Buffer, size: number, what: string): void {
  if (body.length < size) throw new RtpError('RTCP_BAD_PACKET', `${what} needs ${size} bytes, has ${body.length}`);
}

function reportBlocks(body: Buffer, at: number, count: number): RtcpReportBlock[] {
  const blocks: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++, at += REPORT_BLOCK_SIZE) {
    blocks.push({
      ssrc: body.readUInt32BE(at),
      fractionLost: body.readUInt8(at + 4),
      packetsLost: body.readIntBE(at + 5, 3),
      highestSequence: body.readUInt32BE(at + 8),
      jitter: body.readUInt32BE(at + 12),
      lastSr: body.readUInt32BE(at + 16),
      delaySinceLastSr: body.readUInt32BE(at + 20),
    });
  }
  return blocks;
}

function parseSdes(body: Buffer, count: number): RtcpSourceDescription {
  const chunks: Array<{ ssrc: number; items: RtcpSdesItem[] }> = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    need(body, pos + 4, 'SDES chunk');
    const ssrc = body.readUInt32BE(pos);
    pos += 4;
    const items: RtcpSdesItem[] = [];
    for (;;) {
      const type = body[pos];
      if (type === undefined) throw new RtpError('RTCP_BAD_PACKET', 'SDES chunk without its end item');
      if (type === 0) {
        // The item list ends with a null octet, then pads to the next 32-bit boundary.
        pos = (pos + 4) & ~3;
        break;
      }
      const length = body[pos + 1];
      if (length === undefined || pos + 2 + length > body.length) {
        throw new RtpError('RTCP_BAD_PACKET', `SDES item at ${pos} runs past the packet`);
      }
      items.push({ type, text: body.toString('utf8', pos + 2, pos + 2 + length) });
      pos += 2 + length;
    }
    chunks.push({ ssrc, items });
  }
  return { type: 'sdes', chunks };
}

function header(packetType: number, count: number, bodySize: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b[0] = 0x80 | count;
  b[1] = packetType;
  b.writeUInt16BE(bodySize / 4, 2);
  return b;
}

function writeBlocks(out: Buffer, at: number, reports: readonly RtcpReportBlock[]): void {
  for (const r of reports) {
    out.writeUInt32BE(r.ssrc >>> 0, at);
    out.writeUInt8(r.fractionLost & 0xff, at + 4);
    out.writeIntBE(Math.max(-0x800000, Math.min(0x7fffff, r.packetsLost)), at + 5, 3);
    out.writeUInt32BE(r.highestSequence >>> 0, at + 8);
    out.writeUInt32BE(r.jitter >>> 0, at + 12);
    out.writeUInt32BE(r.lastSr >>> 0, at + 16);
    out.writeUInt32BE(r.delaySinceLastSr >>> 0, at + 20);
    at += REPORT_BLOCK_SIZE;
  }
}

function checkReports(reports: readonly RtcpReportBlock[]): void {
  if (reports.length > 31) throw new RtpError('RTP_BAD_OPTIONS', `${reports.length} report blocks, at most 31`);
}

/** SDES with one CNAME chunk: RFC 3550 6.1 wants one in every compound packet. */
function sdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const size = (4 + 2 + text.length + 4) & ~3;
  const body = Buffer.alloc(size);
  body.writeUInt32BE(ssrc >>> 0, 0);
  body[4] = 1;
  body[5] = text.length;
  text.copy(body, 6);
  return Buffer.concat([header(RtcpPacketType.SDES, 1, size), body]);
}

export interface ReceiverReportInput {
  /** The reporter's own SSRC. */
  readonly ssrc: number;
  /** Defaults to none: an empty RR still keeps a session alive on cameras that expect RTCP. */
  readonly reports?: readonly RtcpReportBlock[];
  /** Adds an SDES CNAME packet after the report when given. */
  readonly cname?: string;
}

/** Builds an RR (plus SDES CNAME when `cname` is given). */
export function buildReceiverReport(input: ReceiverReportInput): Buffer {
  const reports = input.reports ?? [];
  checkReports(reports);
  const size = 4 + reports.length * REPORT_BLOCK_SIZE;
  const body = Buffer.allocUnsafe(size);
  body.writeUInt32BE(input.ssrc >>> 0, 0);
  writeBlocks(body, 4, reports);
  const rr = Buffer.concat([header(RtcpPacketType.RR, reports.length, size), body]);
  return input.cname === undefined ? rr : Buffer.concat([rr, sdesCname(input.ssrc, input.cname)]);
}

export interface SenderReportInput {
  readonly ssrc: number;
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  /** The RTP timestamp that corresponds to the NTP time, taken modulo 2^32. */
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  /** Defaults to none. */
  readonly reports?: readonly RtcpReportBlock[];
  /** Adds an SDES CNAME packet after the report when given. */
  readonly cname?: string;
}

/** Builds an SR (plus SDES CNAME when `cname` is given). */
export function buildSenderReport(input: SenderReportInput): Buffer {
  const reports = input.reports ?? [];
  checkReports(reports);
  const size = 24 + reports.length * REPORT_BLOCK_SIZE;
  const body = Buffer.allocUnsafe(size);
  body.writeUInt32BE(input.ssrc >>> 0, 0);
  body.writeUInt32BE(input.ntpSeconds >>> 0, 4);
  body.writeUInt32BE(input.ntpFraction >>> 0, 8);
  body.writeUInt32BE(input.rtpTimestamp >>> 0, 12);
  body.writeUInt32BE(input.packetCount >>> 0, 16);
  body.writeUInt32BE(input.octetCount >>> 0, 20);
  writeBlocks(body, 24, reports);
  const sr = Buffer.concat([header(RtcpPacketType.SR, reports.length, size), body]);
  return input.cname === undefined ? sr : Buffer.concat([sr, sdesCname(input.ssrc, input.cname)]);
}

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** Unix milliseconds to an NTP timestamp (RFC 3550 4). */
export function ntpFromUnixMs(ms: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32);
  return { seconds: (seconds + NTP_UNIX_OFFSET) >>> 0, fraction: fraction >>> 0 };
}

/** The middle 32 bits of an NTP timestamp: what a report block's lastSr echoes. */
export function ntpMiddle(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** True when the bytes look like RTCP (RFC 5761 4: packet types 192..223), for RTP/RTCP on one port. */
export function isRtcp(buf: Buffer): boolean {
  const type = buf[1];
  return buf.length >= 4 && type !== undefined && type >= 192 && type <= 223;
}
