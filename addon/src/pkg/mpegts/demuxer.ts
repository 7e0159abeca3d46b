import { crc32Mpeg2 } from './crc32.js';
import { MpegTsError } from './errors.js';
import { PAT_PID, TS_PACKET_SIZE, TS_SYNC_BYTE } from './muxer.js';

export interface TsStreamInfo {
  readonly pid: number;
  readonly streamType: number;
}

export interface TsPes {
  readonly pid: number;
  readonly streamId: number;
  /** 90 kHz ticks, undefined when the header has none. */
  readonly pts: number | undefined;
  readonly dts: number | undefined;
  /** The adaptation field of the PES's first packet flagged a random access point. */
  readonly randomAccess: boolean;
  readonly data: Buffer;
}

export interface TsReadResult {
  readonly pmtPid: number | undefined;
  readonly pcrPid: number | undefined;
  readonly streams: readonly TsStreamInfo[];
  readonly pes: readonly TsPes[];
  /** PCR bases (90 kHz) in stream order. */
  readonly pcrs: readonly number[];
  /** Packets whose continuity counter did not follow the previous one of their PID. */
  readonly continuityErrors: number;
}

export interface TsReadOptions {
  /** Defaults to 100 000 packets (18.8 MB). */
  readonly maxPackets?: number;
  /** Largest PES accepted; defaults to 8 MiB. */
  readonly maxPesBytes?: number;
}

const MAX_STREAMS = 32;

interface Assembly {
  chunks: Buffer[];
  size: number;
  randomAccess: boolean;
}

/**
 * Reads a whole MPEG-TS buffer (a segment): the PAT, the PMT it points at, and every PES of the PMT's streams,
 * reassembled. For tests and checks of what the muxer wrote; throws MpegTsError on malformed input, never
 * anything else, and holds at most `maxPesBytes` per stream.
 */
export function readTs(data: Buffer, options: TsReadOptions = {}): TsReadResult {
  if (data.length % TS_PACKET_SIZE !== 0)
    throw new MpegTsError('MPEGTS_SYNC', `${data.length} bytes is not a whole number of packets`);
  const count = data.length / TS_PACKET_SIZE;
  const maxPackets = options.maxPackets ?? 100_000;
  const maxPes = options.maxPesBytes ?? 8 * 1024 * 1024;
  if (count > maxPackets) throw new MpegTsError('MPEGTS_LIMIT', `${count} packets, more than ${maxPackets}`);
  let pmtPid: number | undefined;
  let pcrPid: number | undefined;
  let streams: TsStreamInfo[] = [];
  const pes: TsPes[] = [];
  const pcrs: number[] = [];
  const counters = new Map<number, number>();
  const open = new Map<number, Assembly>();
  let continuityErrors = 0;

  const flush = (pid: number): void => {
    const assembly = open.get(pid);
    open.delete(pid);
    if (assembly) pes.push(parsePes(pid, Buffer.concat(assembly.chunks, assembly.size), assembly.randomAccess));
  };

  for (let i = 0; i < count; i++) {
    const at = i * TS_PACKET_SIZE;
    if (data[at] !== TS_SYNC_BYTE)
      throw new MpegTsError('MPEGTS_SYNC', `packet ${i} starts with ${data[at] ?? 0}, not 0x47`);
    const pusi = ((data[at + 1] ?? 0) & 0x40) !== 0;
    const pid = data.readUInt16BE(at + 1) & 0x1fff;
    const control = ((data[at + 3] ?? 0) >> 4) & 0x03;
    const counter = (data[at + 3] ?? 0) & 0x0f;
    let payload = at + 4;
    let randomAccess = false;
    if (control === 0x02 || control === 0x03) {
      const length = data[at + 4] ?? 0;
      if (length > (control === 0x02 ? 183 : 182))
        throw new MpegTsError('MPEGTS_SYNC', `packet ${i}: adaptation field of ${length} bytes`);
      if (length > 0) {
        const flags = data[at + 5] ?? 0;
        randomAccess = (flags & 0x40) !== 0;
        if (flags & 0x10) {
          if (length < 7)
            throw new MpegTsError('MPEGTS_SYNC', `packet ${i}: PCR flag in a ${length}-byte adaptation field`);
          pcrs.push(data.readUInt32BE(at + 6) * 2 + ((data[at + 10] ?? 0) >> 7));
        }
      }
      payload = at + 5 + length;
    }
    if (control === 0x01 || control === 0x03) {
      const expected = counters.get(pid);
      if (expected !== undefined && expected !== counter) continuityErrors++;
      counters.set(pid, (counter + 1) & 0x0f);
    }
    if (control === 0x00 || control === 0x02) continue;
    const body = data.subarray(payload, at + TS_PACKET_SIZE);
    if (pid === PAT_PID || pid === pmtPid) {
      if (!pusi) continue;
      const section = sectionOf(body, i);
      if (pid === PAT_PID) pmtPid = readPat(section);
      else ({ pcrPid, streams } = readPmt(section));
      continue;
    }
    if (!streams.some((s) => s.pid === pid)) continue;
    if (pusi) {
      flush(pid);
      open.set(pid, { chunks: [], size: 0, randomAccess });
    }
    const assembly = open.get(pid);
    if (!assembly) continue; // the middle of a PES that started before this buffer
    assembly.size += body.length;
    if (assembly.size > maxPes) throw new MpegTsError('MPEGTS_LIMIT', `PES on PID ${pid} larger than ${maxPes} bytes`);
    assembly.chunks.push(body);
  }
  for (const pid of [...open.keys()]) flush(pid);
  return { pmtPid, pcrPid, streams, pes, pcrs, continuityErrors };
}

/** The section after the pointer field, checked against its CRC. */
function sectionOf(body: Buffer, index: number): Buffer {
  const pointer = body[0] ?? 0;
  const start = 1 + pointer;
  if (start + 3 > body.length)
    throw new MpegTsError('MPEGTS_BAD_SECTION', `packet ${index}: section header past the end`);
  const length = body.readUInt16BE(start + 1) & 0x0fff;
  const end = start + 3 + length;
  if (length < 9 || end > body.length)
    throw new MpegTsError('MPEGTS_BAD_SECTION', `packet ${index}: section of ${length} bytes`);
  if (crc32Mpeg2(body, start, end - 4) !== body.readUInt32BE(end - 4))
    throw new MpegTsError('MPEGTS_BAD_SECTION', `packet ${index}: CRC mismatch`);
  return body.subarray(start, end - 4);
}

function readPat(section: Buffer): number | undefined {
  if (section[0] !== 0x00) throw new MpegTsError('MPEGTS_BAD_SECTION', `PAT table_id ${section[0] ?? 0}`);
  for (let at = 8; at + 4 <= section.length; at += 4) {
    const program = section.readUInt16BE(at);
    if (program !== 0) return section.readUInt16BE(at + 2) & 0x1fff;
  }
  return undefined;
}

function readPmt(section: Buffer): { pcrPid: number; streams: TsStreamInfo[] } {
  if (section[0] !== 0x02) throw new MpegTsError('MPEGTS_BAD_SECTION', `PMT table_id ${section[0] ?? 0}`);
  if (section.length < 12) throw new MpegTsError('MPEGTS_BAD_SECTION', `PMT of ${section.length} bytes`);
  const pcrPid = section.readUInt16BE(8) & 0x1fff;
  const infoLength = section.readUInt16BE(10) & 0x0fff;
  const streams: TsStreamInfo[] = [];
  let at = 12 + infoLength;
  while (at + 5 <= section.length) {
    const streamType = section[at] ?? 0;
    const pid = section.readUInt16BE(at + 1) & 0x1fff;
    const esInfo = section.readUInt16BE(at + 3) & 0x0fff;
    if (streams.length >= MAX_STREAMS) throw new MpegTsError('MPEGTS_LIMIT', `more than ${MAX_STREAMS} streams`);
    streams.push({ pid, streamType });
    at += 5 + esInfo;
  }
  if (at > section.length) throw new MpegTsError('MPEGTS_BAD_SECTION', 'PMT stream entry past the end');
  return { pcrPid, streams };
}

function parsePes(pid: number, pes: Buffer, randomAccess: boolean): TsPes {
  if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) {
    throw new MpegTsError('MPEGTS_BAD_PES', `PID ${pid}: no PES start code`);
  }
  const streamId = pes[3] ?? 0;
  const flags = pes[7] ?? 0;
  const headerLength = pes[8] ?? 0;
  const dataStart = 9 + headerLength;
  if (dataStart > pes.length)
    throw new MpegTsError('MPEGTS_BAD_PES', `PID ${pid}: header of ${headerLength} bytes past the end`);
  const hasPts = (flags & 0x80) !== 0;
  const hasDts = (flags & 0x40) !== 0;
  if ((hasPts && headerLength < 5) || (hasDts && headerLength < 10))
    throw new MpegTsError('MPEGTS_BAD_PES', `PID ${pid}: timestamps past the header`);
  const pts = hasPts ? readTimestamp(pes, 9) : undefined;
  const dts = hasDts ? readTimestamp(pes, 14) : pts;
  const declared = pes.readUInt16BE(4);
  let end = pes.length;
  if (declared !== 0) {
    end = 6 + declared;
    if (end > pes.length)
      throw new MpegTsError('MPEGTS_BAD_PES', `PID ${pid}: PES of ${declared} bytes, ${pes.length - 6} present`);
  }
  return { pid, streamId, pts, dts, randomAccess, data: pes.subarray(dataStart, end) };
}

function readTimestamp(b: Buffer, at: number): number {
  const high = ((b[at] ?? 0) >> 1) & 0x07;
  const mid = (b.readUInt16BE(at + 1) >> 1) & 0x7fff;
  const low = (b.readUInt16BE(at + 3) >> 1) & 0x7fff;
  return high * 2 ** 30 + mid * 2 ** 15 + low;
}
