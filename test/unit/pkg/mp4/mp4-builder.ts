/**
 * Builds small MP4 files box by box for tests: every table shape the demo clip does not
 * use (co64, stz2, ctts, several stsc runs, esds...) gets exact bytes here.
 */

export function u8(...v: number[]): Buffer {
  return Buffer.from(v);
}

export function u16(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 2);
  v.forEach((x, i) => b.writeUInt16BE(x, i * 2));
  return b;
}

export function u32(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeUInt32BE(x >>> 0, i * 4));
  return b;
}

export function i32(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeInt32BE(x, i * 4));
  return b;
}

export function u64(...v: number[]): Buffer {
  const b = Buffer.alloc(v.length * 8);
  v.forEach((x, i) => b.writeBigUInt64BE(BigInt(x), i * 8));
  return b;
}

export function i64(...v: bigint[]): Buffer {
  const b = Buffer.alloc(v.length * 8);
  v.forEach((x, i) => b.writeBigInt64BE(x, i * 8));
  return b;
}

export function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

export function fullBox(type: string, version: number, ...parts: Buffer[]): Buffer {
  return box(type, u8(version, 0, 0, 0), ...parts);
}

/** A table box: entry_count then the entries, each a tuple of 32-bit values. */
export function tableBox(type: string, entries: readonly (readonly number[])[]): Buffer {
  return fullBox(type, 0, u32(entries.length), ...entries.map((e) => u32(...e)));
}

export function visualEntry(format: string, width: number, height: number, ...children: Buffer[]): Buffer {
  const fixed = Buffer.alloc(78);
  fixed.writeUInt16BE(1, 6); // data_reference_index
  fixed.writeUInt16BE(width, 24);
  fixed.writeUInt16BE(height, 26);
  fixed.writeUInt32BE(0x00480000, 28);
  fixed.writeUInt32BE(0x00480000, 32);
  fixed.writeUInt16BE(1, 40); // frame_count
  fixed.writeUInt16BE(0x18, 74); // depth
  fixed.writeInt16BE(-1, 76);
  return box(format, fixed, ...children);
}

/** An AudioSampleEntry; `qtVersion` 1 adds the 16 bytes of a QuickTime v1 sound description. */
export function audioEntry(
  format: string,
  channels: number,
  sampleRate: number,
  children: readonly Buffer[] = [],
  qtVersion = 0,
): Buffer {
  const fixed = Buffer.alloc(28 + (qtVersion === 1 ? 16 : 0));
  fixed.writeUInt16BE(1, 6);
  fixed.writeUInt16BE(qtVersion, 8);
  fixed.writeUInt16BE(channels, 16);
  fixed.writeUInt16BE(16, 18);
  fixed.writeUInt32BE(sampleRate * 65536, 24);
  return box(format, fixed, ...children);
}

/** esds with an ES_Descriptor > DecoderConfigDescriptor (> DecSpecificInfo when given). */
export function esds(objectType: number, decoderSpecificInfo?: Buffer): Buffer {
  const dsi = decoderSpecificInfo === undefined ? Buffer.alloc(0) : descriptor(0x05, decoderSpecificInfo);
  const dcd = descriptor(0x04, u8(objectType, 0x15), Buffer.alloc(3), u32(0, 0), dsi);
  const es = descriptor(0x03, u16(1), u8(0), dcd, descriptor(0x06, u8(2)));
  return fullBox('esds', 0, es);
}

/** Uses the 4-byte size form ffmpeg writes (0x80 0x80 0x80 len) to exercise the varint. */
function descriptor(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u8(tag, 0x80, 0x80, 0x80, body.length), body]);
}

export interface TrakSpec {
  readonly id: number;
  readonly handler: string;
  readonly timescale: number;
  readonly entry: Buffer;
  /** stbl children after stsd: stts, stsz, stsc, stco... */
  readonly tables: readonly Buffer[];
  readonly edts?: Buffer;
  /** stsd entry_count; defaults to 1 (a wrong count is a malformed file). */
  readonly entryCount?: number;
}

export function trak(spec: TrakSpec): Buffer {
  const tkhd = fullBox('tkhd', 0, u32(0, 0, spec.id, 0, 0), Buffer.alloc(60));
  const mdhd = fullBox('mdhd', 0, u32(0, 0, spec.timescale, 0), u16(0x55c4, 0));
  const hdlr = fullBox('hdlr', 0, u32(0), Buffer.from(spec.handler, 'latin1'), u32(0, 0, 0), u8(0));
  const stsd = fullBox('stsd', 0, u32(spec.entryCount ?? 1), spec.entry);
  const stbl = box('stbl', stsd, ...spec.tables);
  const minf = box('minf', stbl);
  const mdia = box('mdia', mdhd, hdlr, minf);
  return box('trak', tkhd, ...(spec.edts === undefined ? [] : [spec.edts]), mdia);
}

export function moov(...children: Buffer[]): Buffer {
  const mvhd = fullBox('mvhd', 0, u32(0, 0, 1000, 10000), Buffer.alloc(80));
  return box('moov', mvhd, ...children);
}

export const FTYP = box('ftyp', Buffer.from('isom', 'latin1'), u32(512), Buffer.from('isomavc1', 'latin1'));

/**
 * ftyp + moov + mdat. Chunk offsets depend on where the mdat payload lands, so the moov
 * is built twice: once to measure it, once with `dataStart` (where `payload` begins) known.
 */
export function file(makeMoov: (dataStart: number) => Buffer, payload: Buffer): Buffer {
  const dataStart = FTYP.length + makeMoov(0).length + 8;
  return Buffer.concat([FTYP, makeMoov(dataStart), box('mdat', payload)]);
}
