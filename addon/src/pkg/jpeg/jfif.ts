import { JpegError } from './errors.js';
import { STANDARD_HUFFMAN_TABLES, type HuffmanTable } from './tables.js';

/** What RFC 2435 carries of a baseline YUV JPEG. */
export interface JpegImage {
  readonly width: number;
  readonly height: number;
  /** RFC 2435 type without the restart flag: 0 = 4:2:2 (Y sampled 2x1), 1 = 4:2:0 (Y 2x2). */
  readonly type: 0 | 1;
  /** The quantization table of Y, then of Cb/Cr: zigzag order, 64 bytes (8-bit) or 128 (16-bit). */
  readonly quantTables: readonly [Buffer, Buffer];
  /** DRI restart interval in MCUs; 0 = none. */
  readonly restartInterval: number;
  /** True when every DHT table is the T.81 K.3 one (or there is none), which is all RTP can signal. */
  readonly standardHuffman: boolean;
  /** Entropy-coded data of the scan, without the EOI marker: a view into the image. */
  readonly scan: Buffer;
}

interface Component {
  readonly id: number;
  readonly sampling: number;
  readonly table: number;
}

function sameTable(a: HuffmanTable, b: HuffmanTable): boolean {
  return (
    a.bits.every((n, i) => n === b.bits[i]) &&
    a.values.length === b.values.length &&
    a.values.every((v, i) => v === b.values[i])
  );
}

function readDht(seg: Buffer): boolean {
  let pos = 0;
  let standard = true;
  while (pos < seg.length) {
    const tcth = seg.readUInt8(pos);
    if (seg.length - pos < 17) throw new JpegError('JPEG_TRUNCATED', 'DHT ends inside its code counts');
    const bits = [...seg.subarray(pos + 1, pos + 17)];
    const count = bits.reduce((a, b) => a + b, 0);
    if (count > 256 || pos + 17 + count > seg.length)
      throw new JpegError('JPEG_BAD_MARKER', `DHT with ${count} symbols`);
    const table: HuffmanTable = {
      tableClass: tcth >> 4,
      id: tcth & 15,
      bits,
      values: [...seg.subarray(pos + 17, pos + 17 + count)],
    };
    const std = STANDARD_HUFFMAN_TABLES.find((t) => t.tableClass === table.tableClass && t.id === table.id);
    if (std === undefined || !sameTable(std, table)) standard = false;
    pos += 17 + count;
  }
  return standard;
}

function readDqt(seg: Buffer, tables: Array<Buffer | undefined>): void {
  let pos = 0;
  while (pos < seg.length) {
    const pqtq = seg.readUInt8(pos);
    const size = pqtq >> 4 === 0 ? 64 : 128;
    if (pqtq >> 4 > 1 || (pqtq & 15) > 3)
      throw new JpegError('JPEG_BAD_MARKER', `DQT Pq/Tq byte 0x${pqtq.toString(16)}`);
    if (pos + 1 + size > seg.length) throw new JpegError('JPEG_TRUNCATED', 'DQT ends inside a table');
    tables[pqtq & 15] = seg.subarray(pos + 1, pos + 1 + size);
    pos += 1 + size;
  }
}

function readSof(seg: Buffer): { width: number; height: number; components: Component[] } {
  if (seg.length < 6) throw new JpegError('JPEG_TRUNCATED', 'SOF ends inside its header');
  if (seg.readUInt8(0) !== 8) throw new JpegError('JPEG_UNSUPPORTED', `${seg.readUInt8(0)}-bit samples`);
  const height = seg.readUInt16BE(1);
  const width = seg.readUInt16BE(3);
  const n = seg.readUInt8(5);
  if (seg.length < 6 + n * 3) throw new JpegError('JPEG_TRUNCATED', 'SOF ends inside its components');
  const components: Component[] = [];
  for (let i = 0; i < n; i++) {
    const at = 6 + i * 3;
    components.push({ id: seg.readUInt8(at), sampling: seg.readUInt8(at + 1), table: seg.readUInt8(at + 2) });
  }
  return { width, height, components };
}

/** Parses a baseline JPEG/JFIF image into what RFC 2435 needs. Throws JpegError. */
export function parseJpeg(image: Buffer): JpegImage {
  if (image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8)
    throw new JpegError('JPEG_BAD_MARKER', 'no SOI at the start');
  const tables: Array<Buffer | undefined> = [];
  let sof: ReturnType<typeof readSof> | undefined;
  let restartInterval = 0;
  let standardHuffman = true;
  let pos = 2;
  for (;;) {
    if (pos >= image.length) throw new JpegError('JPEG_TRUNCATED', 'no scan before the end');
    if (image[pos] !== 0xff)
      throw new JpegError('JPEG_BAD_MARKER', `0x${(image[pos] ?? 0).toString(16)} where a marker must be (at ${pos})`);
    let marker = image[pos + 1];
    // Any number of 0xFF fill bytes may precede a marker (T.81 B.1.1.2).
    while (marker === 0xff) marker = image[++pos + 1];
    if (marker === undefined) throw new JpegError('JPEG_TRUNCATED', 'the data ends inside a marker');
    pos += 2;
    if (marker === 0xd9) throw new JpegError('JPEG_TRUNCATED', 'EOI before any scan');
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (pos + 2 > image.length)
      throw new JpegError('JPEG_TRUNCATED', `marker 0x${marker.toString(16)} without its length`);
    const length = image.readUInt16BE(pos);
    if (length < 2 || pos + length > image.length)
      throw new JpegError('JPEG_TRUNCATED', `segment 0x${marker.toString(16)} of ${length} bytes`);
    const seg = image.subarray(pos + 2, pos + length);
    pos += length;
    if (marker === 0xdb) readDqt(seg, tables);
    else if (marker === 0xc4) standardHuffman = readDht(seg) && standardHuffman;
    else if (marker === 0xc0 || marker === 0xc1) sof = readSof(seg);
    else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new JpegError('JPEG_UNSUPPORTED', `SOF 0x${marker.toString(16)} (progressive, lossless or arithmetic)`);
    } else if (marker === 0xdd) {
      if (seg.length < 2) throw new JpegError('JPEG_TRUNCATED', 'DRI without its interval');
      restartInterval = seg.readUInt16BE(0);
    } else if (marker === 0xda) {
      if (sof === undefined) throw new JpegError('JPEG_BAD_MARKER', 'SOS before SOF');
      let end = image.length;
      // The scan runs to EOI; a stream cut short (some cameras drop it) still carries a usable scan.
      if (image[end - 2] === 0xff && image[end - 1] === 0xd9) end -= 2;
      return describe(sof, tables, restartInterval, standardHuffman, image.subarray(pos, end));
    }
  }
}

function describe(
  sof: ReturnType<typeof readSof>,
  tables: Array<Buffer | undefined>,
  restartInterval: number,
  standardHuffman: boolean,
  scan: Buffer,
): JpegImage {
  const [y, cb, cr] = sof.components;
  if (sof.components.length !== 3 || y === undefined || cb === undefined || cr === undefined) {
    throw new JpegError('JPEG_UNSUPPORTED', `${sof.components.length} components, RTP/JPEG carries YCbCr`);
  }
  if (cb.sampling !== 0x11 || cr.sampling !== 0x11 || (y.sampling !== 0x21 && y.sampling !== 0x22)) {
    throw new JpegError(
      'JPEG_UNSUPPORTED',
      `sampling ${[y, cb, cr].map((c) => c.sampling.toString(16)).join('/')}, not 4:2:2 or 4:2:0`,
    );
  }
  if (cb.table !== cr.table) throw new JpegError('JPEG_UNSUPPORTED', 'Cb and Cr use different quantization tables');
  const luma = tables[y.table];
  const chroma = tables[cb.table];
  if (luma === undefined || chroma === undefined)
    throw new JpegError('JPEG_BAD_MARKER', 'a component uses an undefined quantization table');
  if (sof.width === 0 || sof.height === 0) throw new JpegError('JPEG_BAD_MARKER', `size ${sof.width}x${sof.height}`);
  return {
    width: sof.width,
    height: sof.height,
    type: y.sampling === 0x21 ? 0 : 1,
    quantTables: [luma, chroma],
    restartInterval,
    standardHuffman,
    scan,
  };
}

export interface JpegHeaderInput {
  readonly type: 0 | 1;
  readonly width: number;
  readonly height: number;
  /** Y table then Cb/Cr table, zigzag order, 64 or 128 bytes each. */
  readonly quantTables: readonly [Buffer, Buffer];
  readonly restartInterval: number;
}

function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/**
 * SOI through SOS of the image an RTP/JPEG frame stands for (RFC 2435 Appendix B): both quantization
 * tables, SOF0 with the type's sampling, the K.3 Huffman tables, DRI when restart markers are used.
 */
export function buildJpegHeader(input: JpegHeaderInput): Buffer {
  const dqt = Buffer.concat(
    input.quantTables.map((table, id) => Buffer.concat([Buffer.from([(table.length === 128 ? 0x10 : 0) | id]), table])),
  );
  const sof = Buffer.alloc(15);
  sof[0] = 8;
  sof.writeUInt16BE(input.height, 1);
  sof.writeUInt16BE(input.width, 3);
  sof[5] = 3;
  sof.set([1, input.type === 0 ? 0x21 : 0x22, 0, 2, 0x11, 1, 3, 0x11, 1], 6);
  const dht = Buffer.concat(
    STANDARD_HUFFMAN_TABLES.map((t) => Buffer.from([(t.tableClass << 4) | t.id, ...t.bits, ...t.values])),
  );
  const parts = [Buffer.from([0xff, 0xd8]), segment(0xdb, dqt), segment(0xc0, sof), segment(0xc4, dht)];
  if (input.restartInterval > 0) {
    const dri = Buffer.alloc(2);
    dri.writeUInt16BE(input.restartInterval);
    parts.push(segment(0xdd, dri));
  }
  parts.push(segment(0xda, Buffer.from([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])));
  return Buffer.concat(parts);
}
