import { Mp4Error } from './errors.js';

/**
 * Builds ISO BMFF boxes into one growing buffer. `start(type)` reserves the size field, `end()` fills it in,
 * so nested boxes are written in document order without computing sizes up front.
 */
export class BoxWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly open: number[] = [];

  constructor(initialSize = 512) {
    this.buf = Buffer.alloc(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  /** Opens a box: a 32-bit size (filled in by `end`) and the four-character type. */
  start(type: string): this {
    if (type.length !== 4) throw new Mp4Error('MP4_MUX_INPUT', `box type '${type}' is not four characters`);
    this.open.push(this.pos);
    this.u32(0);
    this.ascii(type);
    return this;
  }

  /** Opens a FullBox: a box followed by version and 24-bit flags. */
  startFull(type: string, version: number, flags: number): this {
    this.start(type);
    this.u8(version);
    this.u24(flags);
    return this;
  }

  end(): this {
    const start = this.open.pop();
    if (start === undefined) throw new Mp4Error('MP4_MUX_INPUT', 'end() without an open box');
    this.buf.writeUInt32BE(this.pos - start, start);
    return this;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }

  i16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf.writeUIntBE(v & 0xffffff, this.pos, 3);
    this.pos += 3;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  /** An unsigned 64-bit value from a safe integer (decode times). */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new Mp4Error('MP4_MUX_INPUT', `${v} is not a 64-bit unsigned integer`);
    return this.u32(Math.floor(v / 0x100000000)).u32(v >>> 0);
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  /** Latin-1 text without a terminator (box types, brands). */
  ascii(text: string): this {
    this.ensure(text.length);
    this.buf.write(text, this.pos, 'latin1');
    this.pos += text.length;
    return this;
  }

  /** 16.16 fixed point. */
  fixed32(v: number): this {
    return this.u32(Math.round(v * 65536));
  }

  /** 8.8 fixed point. */
  fixed16(v: number): this {
    return this.u16(Math.round(v * 256));
  }

  /** A transformation matrix (ISO/IEC 14496-12 8.2.2): a, b, u, c, d, v, x, y, w. */
  matrix(a: number, b: number, c: number, d: number): this {
    // a, b, c, d, x, y are 16.16; u, v, w are 2.30.
    this.fixed32(a).fixed32(b).u32(0);
    this.fixed32(c).fixed32(d).u32(0);
    return this.u32(0).u32(0).u32(0x40000000);
  }

  /** The bytes written so far (a copy-free view; the writer must not be used afterwards). */
  finish(): Buffer {
    if (this.open.length > 0) throw new Mp4Error('MP4_MUX_INPUT', `${this.open.length} box(es) left open`);
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
