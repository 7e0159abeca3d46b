import { crc32Mpeg2 } from './crc32.js';
import { MpegTsError } from './errors.js';

export const TS_PACKET_SIZE = 188;
export const TS_SYNC_BYTE = 0x47;
/** The 33-bit PTS/DTS/PCR base wraps here (90 kHz: about 26.5 hours). */
export const TS_TIMESTAMP_WRAP = 2 ** 33;

/** stream_type values (ISO/IEC 13818-1 Table 2-34, H.222.0 amendments) for what this muxer writes. */
export const StreamType = { AAC: 0x0f, H264: 0x1b, H265: 0x24 } as const;
export type TsCodec = keyof typeof StreamType;

/** ffmpeg's layout (its mpegts muxer's defaults), which players and analysers are used to. */
export const PAT_PID = 0x0000;
export const PMT_PID = 0x1000;
export const FIRST_ES_PID = 0x0100;
const PROGRAM_NUMBER = 1;
const TRANSPORT_STREAM_ID = 1;

export interface TsMuxerOptions {
  /**
   * Ticks (90 kHz) added to every PTS/DTS over the PCR, so a frame's bytes arrive before its decode time in the
   * decoder's buffer model. Defaults to 63000 (0.7 s, ffmpeg's muxdelay).
   */
  readonly delay?: number;
}

export interface TsFrame {
  /** One access unit of the elementary stream: Annex B H264/H265 (with AUD), or one ADTS AAC frame. */
  readonly data: Uint8Array;
  /** Presentation time in 90 kHz ticks (any non-negative integer; written modulo 2^33). */
  readonly pts: number;
  /** Decode time when it differs from pts (B-frames). */
  readonly dts?: number;
  /** A video random access point: flagged in the adaptation field. */
  readonly keyframe?: boolean;
}

interface Track {
  readonly codec: TsCodec;
  readonly pid: number;
  readonly streamId: number;
  counter: number;
}

/**
 * An MPEG-TS muxer for one program: PAT and PMT on demand (`header()`), then one PES per frame, cut into
 * 188-byte packets. The PCR rides on the first video track (else the first track), in the first packet of
 * each of its PES. Pure: it keeps only continuity counters.
 */
export class TsMuxer {
  private readonly tracks: Track[];
  private readonly pcrIndex: number;
  private readonly delay: number;
  private patCounter = 0;
  private pmtCounter = 0;

  constructor(codecs: readonly TsCodec[], options: TsMuxerOptions = {}) {
    if (codecs.length === 0 || codecs.length > 16)
      throw new MpegTsError('MPEGTS_INPUT', `a program holds 1..16 streams, got ${codecs.length}`);
    let video = 0;
    let audio = 0;
    this.tracks = codecs.map((codec, i) => {
      if (!(codec in StreamType)) throw new MpegTsError('MPEGTS_CODEC', `MPEG-TS cannot carry ${String(codec)}`);
      // Stream IDs: video 0xE0.., audio 0xC0.. (ISO/IEC 13818-1 Table 2-22).
      const streamId = codec === 'AAC' ? 0xc0 + audio++ : 0xe0 + video++;
      return { codec, pid: FIRST_ES_PID + i, streamId, counter: 0 };
    });
    const firstVideo = this.tracks.findIndex((t) => t.codec !== 'AAC');
    this.pcrIndex = firstVideo >= 0 ? firstVideo : 0;
    this.delay = options.delay ?? 63000;
    if (!Number.isInteger(this.delay) || this.delay < 0) throw new MpegTsError('MPEGTS_INPUT', `delay ${this.delay}`);
  }

  /** The elementary PIDs, in track order. */
  get pids(): number[] {
    return this.tracks.map((t) => t.pid);
  }

  get pcrPid(): number {
    return this.tracks[this.pcrIndex]?.pid ?? FIRST_ES_PID;
  }

  /** PAT + PMT: two packets, to start every segment with (a player may join at any of them). */
  header(): Buffer {
    const out = Buffer.alloc(2 * TS_PACKET_SIZE, 0xff);
    // PAT: one program.
    const pat = Buffer.alloc(4);
    pat.writeUInt16BE(PROGRAM_NUMBER, 0);
    pat.writeUInt16BE(0xe000 | PMT_PID, 2);
    this.writeSection(out, 0, PAT_PID, this.patCounter, 0x00, TRANSPORT_STREAM_ID, pat);
    this.patCounter = (this.patCounter + 1) & 0x0f;
    // PMT: PCR PID, no program descriptors, then each stream without descriptors.
    const pmt = Buffer.alloc(4 + 5 * this.tracks.length);
    pmt.writeUInt16BE(0xe000 | this.pcrPid, 0);
    pmt.writeUInt16BE(0xf000, 2);
    this.tracks.forEach((t, i) => {
      const at = 4 + 5 * i;
      pmt[at] = StreamType[t.codec];
      pmt.writeUInt16BE(0xe000 | t.pid, at + 1);
      pmt.writeUInt16BE(0xf000, at + 3);
    });
    this.writeSection(out, TS_PACKET_SIZE, PMT_PID, this.pmtCounter, 0x02, PROGRAM_NUMBER, pmt);
    this.pmtCounter = (this.pmtCounter + 1) & 0x0f;
    return out;
  }

  /** One frame as a PES in whole packets. */
  write(trackIndex: number, frame: TsFrame): Buffer {
    const track = this.tracks[trackIndex];
    if (!track) throw new MpegTsError('MPEGTS_INPUT', `no track ${trackIndex}`);
    checkTime(frame.pts, 'pts');
    if (frame.dts !== undefined) checkTime(frame.dts, 'dts');
    const pts = (frame.pts + this.delay) % TS_TIMESTAMP_WRAP;
    const dts = frame.dts === undefined ? undefined : (frame.dts + this.delay) % TS_TIMESTAMP_WRAP;
    const pes = pesHeader(track.streamId, frame.data.length, pts, dts);
    const total = pes.length + frame.data.length;
    const isPcr = trackIndex === this.pcrIndex;
    const pcr = isPcr ? (frame.dts ?? frame.pts) % TS_TIMESTAMP_WRAP : undefined;
    const packets: Buffer[] = [];
    let written = 0;
    while (written < total) {
      const first = written === 0;
      const packet = Buffer.alloc(TS_PACKET_SIZE, 0xff);
      packet[0] = TS_SYNC_BYTE;
      packet.writeUInt16BE((first ? 0x4000 : 0) | track.pid, 1);
      // Adaptation field: PCR and random access on the first packet; stuffing on the last.
      const withPcr = first && pcr !== undefined;
      const randomAccess = first && frame.keyframe === true;
      let fieldSize = withPcr ? 8 : randomAccess ? 2 : 0; // length byte + flags (+ 6 PCR bytes)
      const room = TS_PACKET_SIZE - 4 - fieldSize;
      const left = total - written;
      if (left < room) fieldSize += room - left;
      let at = 4;
      if (fieldSize > 0) {
        packet[3] = 0x30 | track.counter;
        packet[4] = fieldSize - 1;
        if (fieldSize > 1) {
          packet[5] = (randomAccess ? 0x40 : 0) | (withPcr ? 0x10 : 0);
          if (withPcr) writePcr(packet, 6, pcr);
        }
        at = 4 + fieldSize;
      } else {
        packet[3] = 0x10 | track.counter;
      }
      track.counter = (track.counter + 1) & 0x0f;
      // Payload: the rest of the PES header first, then the frame.
      while (at < TS_PACKET_SIZE) {
        if (written < pes.length) {
          const n = Math.min(pes.length - written, TS_PACKET_SIZE - at);
          pes.copy(packet, at, written, written + n);
          at += n;
          written += n;
        } else {
          const from = written - pes.length;
          const n = Math.min(frame.data.length - from, TS_PACKET_SIZE - at);
          packet.set(frame.data.subarray(from, from + n), at);
          at += n;
          written += n;
        }
      }
      packets.push(packet);
    }
    return Buffer.concat(packets, packets.length * TS_PACKET_SIZE);
  }

  /** A PSI section (long form, section 0 of 0, version 0) with its CRC, in one packet. */
  private writeSection(
    out: Buffer,
    offset: number,
    pid: number,
    counter: number,
    tableId: number,
    tableIdExtension: number,
    body: Buffer,
  ): void {
    out[offset] = TS_SYNC_BYTE;
    out.writeUInt16BE(0x4000 | pid, offset + 1);
    out[offset + 3] = 0x10 | counter;
    out[offset + 4] = 0; // pointer_field
    const section = offset + 5;
    // section_length counts from after itself to the end of the CRC.
    const sectionLength = 5 + body.length + 4;
    out[section] = tableId;
    out.writeUInt16BE(0xb000 | sectionLength, section + 1);
    out.writeUInt16BE(tableIdExtension, section + 3);
    out[section + 5] = 0xc1; // reserved, version 0, current_next_indicator
    out[section + 6] = 0; // section_number
    out[section + 7] = 0; // last_section_number
    body.copy(out, section + 8);
    const crcAt = section + 8 + body.length;
    out.writeUInt32BE(crc32Mpeg2(out, section, crcAt), crcAt);
  }
}

function checkTime(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new MpegTsError('MPEGTS_INPUT', `${what} ${value}`);
}

/** PES header with PTS (and DTS); the length is 0 (unbounded, allowed for video) when it does not fit 16 bits. */
function pesHeader(streamId: number, dataLength: number, pts: number, dts: number | undefined): Buffer {
  const withDts = dts !== undefined && dts !== pts;
  const headerData = withDts ? 10 : 5;
  const header = Buffer.alloc(9 + headerData);
  header[2] = 1;
  header[3] = streamId;
  const length = 3 + headerData + dataLength;
  header.writeUInt16BE(length <= 0xffff ? length : 0, 4);
  header[6] = 0x84; // '10' marker, data_alignment_indicator: each PES starts an access unit
  header[7] = withDts ? 0xc0 : 0x80;
  header[8] = headerData;
  writeTimestamp(header, 9, withDts ? 0x3 : 0x2, pts);
  if (withDts && dts !== undefined) writeTimestamp(header, 14, 0x1, dts);
  return header;
}

/** 33 bits in 5 bytes: a 4-bit prefix, then 3 + 15 + 15 bits, each group followed by a marker bit. */
function writeTimestamp(out: Buffer, at: number, prefix: number, value: number): void {
  const high = Math.floor(value / 2 ** 30) & 0x07;
  const mid = Math.floor(value / 2 ** 15) & 0x7fff;
  const low = value & 0x7fff;
  out[at] = (prefix << 4) | (high << 1) | 1;
  out.writeUInt16BE((mid << 1) | 1, at + 1);
  out.writeUInt16BE((low << 1) | 1, at + 3);
}

/** program_clock_reference: a 33-bit base (90 kHz), 6 reserved bits, a 9-bit extension (0 here). */
function writePcr(out: Buffer, at: number, base: number): void {
  out.writeUInt32BE(Math.floor(base / 2), at);
  out[at + 4] = ((base & 1) << 7) | 0x7e;
  out[at + 5] = 0;
}
