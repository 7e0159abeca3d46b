import { RtpError } from '../rtp/errors.js';
import type { RtpPacket } from '../rtp/packet.js';
import { RtpDepacketizerBase, type RtpFrame } from '../rtp/payload.js';
import { buildJpegHeader } from './jfif.js';
import { scaledQuantTables } from './tables.js';

export interface JpegDepacketizerOptions {
  /** Largest image in bytes. Defaults to 8 MiB. */
  readonly maxFrameSize?: number;
}

const EOI = Buffer.from([0xff, 0xd9]);

interface FrameHeader {
  readonly type: 0 | 1;
  readonly width: number;
  readonly height: number;
  readonly restartInterval: number;
  readonly quantTables: readonly [Buffer, Buffer];
}

/**
 * RFC 2435 receiver: joins the fragments of one frame (by fragment offset, up to the marker bit) and
 * rebuilds a complete JFIF image: headers from the RTP JPEG header (types 0/1, and 64/65 with restart
 * markers), quantization tables from the packet (Q 128..255) or scaled from Q (1..99), the K.3 Huffman
 * tables, then the scan and EOI. Every image is a key frame.
 */
export class JpegDepacketizer extends RtpDepacketizerBase {
  private readonly maxFrameSize: number;
  /** Tables of Q 128..254 are static: a sender may send them once, then only the Q value. */
  private readonly cachedTables = new Map<number, readonly [Buffer, Buffer]>();
  private header: FrameHeader | undefined;
  private parts: Buffer[] = [];
  private size = 0;
  private timestamp = 0;

  constructor(options: JpegDepacketizerOptions = {}) {
    super();
    this.maxFrameSize = options.maxFrameSize ?? 8 * 1024 * 1024;
  }

  push(packet: RtpPacket): RtpFrame[] {
    if (!this.accept(packet)) return [];
    const p = packet.payload;
    if (p.length === 0) return [];
    if (p.length < 8) throw new RtpError('RTP_BAD_PAYLOAD', `JPEG payload of ${p.length} bytes, its header has 8`);
    const offset = p.readUIntBE(1, 3);
    const rawType = p.readUInt8(4);
    const q = p.readUInt8(5);
    const width = p.readUInt8(6) * 8;
    const height = p.readUInt8(7) * 8;
    if (this.header !== undefined && packet.timestamp !== this.timestamp) this.dropPartial();
    let pos = 8;
    let restartInterval = 0;
    if (rawType >= 64 && rawType <= 127) {
      if (p.length < 12) throw new RtpError('RTP_BAD_PAYLOAD', 'JPEG payload ends inside its restart marker header');
      restartInterval = p.readUInt16BE(8);
      pos = 12;
    }
    const type = rawType & 0x3f;
    if (type !== 0 && type !== 1) throw new RtpError('RTP_UNSUPPORTED', `RTP/JPEG type ${rawType}`);
    if (offset === 0) {
      if (this.header !== undefined) this.dropPartial();
      if (width === 0 || height === 0)
        throw new RtpError('RTP_UNSUPPORTED', 'RTP/JPEG image wider or higher than 2040');
      let quantTables: readonly [Buffer, Buffer];
      if (q >= 128) {
        const read = this.readTables(p, pos, q);
        quantTables = read.tables;
        pos = read.end;
      } else {
        if (q === 0) throw new RtpError('RTP_BAD_PAYLOAD', 'RTP/JPEG Q 0 is reserved');
        quantTables = scaledQuantTables(q);
      }
      this.header = { type: type === 0 ? 0 : 1, width, height, restartInterval, quantTables };
      this.timestamp = packet.timestamp;
    } else if (this.header === undefined || offset !== this.size) {
      // A fragment whose predecessor is missing: the frame cannot be rebuilt.
      this.dropPartial();
      return [];
    }
    const data = p.subarray(pos);
    if (this.size + data.length > this.maxFrameSize) {
      this.dropPartial();
      throw new RtpError('RTP_LIMIT', `JPEG image larger than ${this.maxFrameSize} bytes`);
    }
    this.parts.push(data);
    this.size += data.length;
    if (!packet.marker) return [];
    const header = this.header;
    const parts = this.parts;
    const size = this.size;
    this.header = undefined;
    this.parts = [];
    this.size = 0;
    if (header === undefined) return [];
    const scanEnd = parts[parts.length - 1];
    const ends =
      scanEnd !== undefined &&
      scanEnd.length >= 2 &&
      scanEnd[scanEnd.length - 2] === 0xff &&
      scanEnd[scanEnd.length - 1] === 0xd9;
    const head = buildJpegHeader(header);
    const payload = Buffer.concat([head, ...parts, ...(ends ? [] : [EOI])], head.length + size + (ends ? 0 : 2));
    return [{ payload, timestamp: packet.timestamp, keyframe: true }];
  }

  protected dropPartial(): void {
    if (this.header !== undefined || this.parts.length > 0) this.stats.framesDropped++;
    this.header = undefined;
    this.parts = [];
    this.size = 0;
  }

  private readTables(p: Buffer, pos: number, q: number): { tables: readonly [Buffer, Buffer]; end: number } {
    if (p.length < pos + 4)
      throw new RtpError('RTP_BAD_PAYLOAD', 'JPEG payload ends inside its quantization table header');
    const precision = p.readUInt8(pos + 1);
    const length = p.readUInt16BE(pos + 2);
    pos += 4;
    if (length === 0) {
      const cached = q < 255 ? this.cachedTables.get(q) : undefined;
      if (cached === undefined)
        throw new RtpError('RTP_BAD_PAYLOAD', `RTP/JPEG Q ${q} without tables and none seen before`);
      return { tables: cached, end: pos };
    }
    if (p.length < pos + length)
      throw new RtpError('RTP_BAD_PAYLOAD', `quantization tables of ${length} bytes do not fit`);
    const lumaSize = precision & 1 ? 128 : 64;
    const chromaSize = precision & 2 ? 128 : 64;
    let tables: readonly [Buffer, Buffer];
    if (length === lumaSize + chromaSize) {
      tables = [Buffer.from(p.subarray(pos, pos + lumaSize)), Buffer.from(p.subarray(pos + lumaSize, pos + length))];
    } else if (length === lumaSize) {
      // One table for all components.
      const t = Buffer.from(p.subarray(pos, pos + lumaSize));
      tables = [t, t];
    } else {
      throw new RtpError('RTP_BAD_PAYLOAD', `quantization tables of ${length} bytes with precision ${precision}`);
    }
    if (q < 255) this.cachedTables.set(q, tables);
    return { tables, end: pos + length };
  }
}
