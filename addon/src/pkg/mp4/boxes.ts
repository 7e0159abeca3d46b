import { Mp4Error } from './errors.js';

/** Caps that keep a hostile file cheap to reject; a real file is far below each of them. */
export const MAX_CHILD_BOXES = 4096;

/** One box header: where it starts, where its body starts, and its end (exclusive). */
export interface Box {
  readonly type: string;
  readonly start: number;
  readonly bodyStart: number;
  readonly end: number;
}

/**
 * Reads a box header at `pos`. `end` is the end of the parent (or of the data).
 * Returns `undefined` when fewer than 8 bytes are left: writers (QuickTime's udta
 * terminator, padding) leave such tails and readers ignore them.
 */
export function readBoxHeader(buf: Buffer, pos: number, end: number): Box | undefined {
  if (end - pos < 8) return undefined;
  let size = buf.readUInt32BE(pos);
  const type = buf.toString('latin1', pos + 4, pos + 8);
  let header = 8;
  if (size === 1) {
    if (end - pos < 16) throw new Mp4Error('MP4_TRUNCATED', `box '${printable(type)}' at ${pos}: 64-bit size cut off`);
    const large = buf.readBigUInt64BE(pos + 8);
    // A size beyond 2^53 cannot fit in memory anyway; keep it as "too big" rather than lose precision.
    size = large > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(large);
    header = 16;
  } else if (size === 0) {
    // Size 0 means "to the end of the enclosing space" (ISO/IEC 14496-12 4.2).
    size = end - pos;
  }
  if (type === 'uuid') header += 16;
  if (size < header) {
    throw new Mp4Error('MP4_BAD_BOX', `box '${printable(type)}' at ${pos}: size ${size} is smaller than its header`);
  }
  if (size > end - pos) {
    throw new Mp4Error('MP4_TRUNCATED', `box '${printable(type)}' at ${pos}: ${size} bytes, only ${end - pos} left`);
  }
  return { type, start: pos, bodyStart: pos + header, end: pos + size };
}

/** The children of a container body. */
export function readChildren(buf: Buffer, parent: Box): Box[] {
  const boxes: Box[] = [];
  let pos = parent.bodyStart;
  for (;;) {
    const box = readBoxHeader(buf, pos, parent.end);
    if (box === undefined) return boxes;
    if (boxes.length >= MAX_CHILD_BOXES) {
      throw new Mp4Error('MP4_LIMIT', `box '${parent.type}' has more than ${MAX_CHILD_BOXES} children`);
    }
    boxes.push(box);
    pos = box.end;
  }
}

export function findChild(children: readonly Box[], type: string): Box | undefined {
  return children.find((b) => b.type === type);
}

export function requireChild(children: readonly Box[], type: string, parent: string): Box {
  const box = findChild(children, type);
  if (box === undefined) throw new Mp4Error('MP4_BAD_BOX', `'${parent}' has no '${type}'`);
  return box;
}

/** Box types come from the file; keep messages readable whatever the bytes are. */
export function printable(type: string): string {
  return type.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Bounds-checked big-endian reads inside one box. Every read past the box end throws
 * MP4_TRUNCATED, so parsers never see a RangeError from Buffer.
 */
export class FieldReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    private readonly box: Box,
    start: number = box.bodyStart,
  ) {
    this.pos = start;
  }

  get position(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.box.end - this.pos;
  }

  /** Throws unless `n` more bytes are inside the box. */
  need(n: number, what: string): void {
    if (n > this.box.end - this.pos) {
      throw new Mp4Error(
        'MP4_TRUNCATED',
        `'${printable(this.box.type)}' at ${this.box.start}: ${what} needs ${n} bytes, ${this.remaining} left`,
      );
    }
  }

  skip(n: number, what = 'field'): void {
    this.need(n, what);
    this.pos += n;
  }

  u8(what = 'field'): number {
    this.need(1, what);
    const v = this.buf.readUInt8(this.pos);
    this.pos += 1;
    return v;
  }

  u16(what = 'field'): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i16(what = 'field'): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(what = 'field'): number {
    this.need(3, what);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(what = 'field'): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(what = 'field'): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A 64-bit unsigned value; above 2^53 it is not a usable offset or time, so it is rejected. */
  u64(what = 'field'): number {
    this.need(8, what);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Mp4Error(
        'MP4_BAD_BOX',
        `'${printable(this.box.type)}' at ${this.box.start}: ${what} ${v} is too large`,
      );
    }
    return Number(v);
  }

  i64(what = 'field'): number {
    this.need(8, what);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new Mp4Error(
        'MP4_BAD_BOX',
        `'${printable(this.box.type)}' at ${this.box.start}: ${what} ${v} is out of range`,
      );
    }
    return Number(v);
  }

  /** A view of the next `n` bytes (no copy). */
  bytes(n: number, what = 'field'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Version and flags of a FullBox. */
  fullBox(): { version: number; flags: number } {
    const version = this.u8('version');
    const flags = this.u24('flags');
    return { version, flags };
  }
}
