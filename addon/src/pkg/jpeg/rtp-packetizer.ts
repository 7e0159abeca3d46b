import type { Packet } from '../../core/packet.js';
import { RtpPacketizerBase, type RtpPacketOut, type RtpPacketizerOptions } from '../rtp/payload.js';
import { JpegError } from './errors.js';
import { parseJpeg } from './jfif.js';

export type JpegPacketizerOptions = RtpPacketizerOptions;

/** RFC 2435 3.1.5: width and height travel in 8-pixel units in one byte each. */
const MAX_SIZE = 2040;

/**
 * RFC 2435 sender: takes a baseline 4:2:2 or 4:2:0 JPEG with the K.3 Huffman tables, sends its scan in
 * fragments with the RTP JPEG header, Q=255 and both quantization tables in the first packet, and the
 * restart marker header (type 64/65) when the image has a restart interval. Throws JpegError for images
 * the format cannot carry.
 */
export class JpegPacketizer extends RtpPacketizerBase {
  constructor(options: JpegPacketizerOptions) {
    super(options);
  }

  packetize(frame: Packet): RtpPacketOut[] {
    const image = parseJpeg(frame.payload);
    if (!image.standardHuffman)
      throw new JpegError('JPEG_UNSUPPORTED', 'custom Huffman tables cannot be signalled in RTP/JPEG');
    if (image.width > MAX_SIZE || image.height > MAX_SIZE) {
      throw new JpegError('JPEG_UNSUPPORTED', `${image.width}x${image.height} is larger than ${MAX_SIZE}`);
    }
    const restart = image.restartInterval > 0;
    const [luma, chroma] = image.quantTables;
    const tables = Buffer.alloc(4);
    tables[1] = (luma.length === 128 ? 1 : 0) | (chroma.length === 128 ? 2 : 0);
    tables.writeUInt16BE(luma.length + chroma.length, 2);
    const restartHeader = Buffer.alloc(4);
    if (restart) {
      restartHeader.writeUInt16BE(image.restartInterval, 0);
      // Fragments are not aligned to restart intervals: F=L=1 and count 0x3FFF (RFC 2435 3.1.7).
      restartHeader.writeUInt16BE(0xffff, 2);
    }
    const timestamp = this.rtpTimestamp(frame.timestamp);
    const scan = image.scan;
    const out: RtpPacketOut[] = [];
    let offset = 0;
    do {
      const main = Buffer.alloc(8);
      main.writeUIntBE(offset, 1, 3);
      main[4] = image.type + (restart ? 64 : 0);
      main[5] = 255;
      main[6] = Math.ceil(image.width / 8);
      main[7] = Math.ceil(image.height / 8);
      const parts: Buffer[] = [main];
      if (restart) parts.push(restartHeader);
      if (offset === 0) parts.push(tables, luma, chroma);
      const room = this.maxPayloadSize - parts.reduce((n, b) => n + b.length, 0);
      if (room <= 0)
        throw new JpegError('JPEG_UNSUPPORTED', `maxPayloadSize ${this.maxPayloadSize} cannot hold the JPEG headers`);
      const end = Math.min(scan.length, offset + room);
      parts.push(scan.subarray(offset, end));
      out.push(this.packet(parts, timestamp, end === scan.length));
      offset = end;
    } while (offset < scan.length);
    return out;
  }
}
