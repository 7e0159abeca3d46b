import { FlvError } from './errors.js';

/**
 * AMF0 (Adobe "Action Message Format 0" specification): the encoding of RTMP commands and FLV script data.
 * Values map to plain JS: number, boolean, string, null, undefined, objects (anonymous and ECMA arrays alike),
 * arrays (strict arrays) and Date.
 */
export type AmfValue = number | boolean | string | null | undefined | Date | AmfValue[] | AmfObject;
export interface AmfObject {
  [key: string]: AmfValue;
}

export const AmfMarker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlus: 0x11,
} as const;

/** Deeper nesting than any real command or onMetaData; stops a stack overflow on crafted input. */
export const MAX_AMF_DEPTH = 16;
/** Entries of one object or array; a strict array states its count up front and must not size an allocation. */
export const MAX_AMF_ENTRIES = 4096;

class AmfReader {
  pos = 0;
  constructor(private readonly data: Buffer) {}

  get done(): boolean {
    return this.pos >= this.data.length;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.data.length) {
      throw new FlvError(
        'FLV_TRUNCATED',
        `AMF0 ${what} needs ${n} bytes at ${this.pos}, ${this.data.length - this.pos} left`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.data[this.pos++] ?? 0;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.data.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.data.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.data.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  utf8(length: number, what: string): string {
    this.need(length, what);
    const v = this.data.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return v;
  }

  value(depth: number): AmfValue {
    if (depth > MAX_AMF_DEPTH) throw new FlvError('AMF_LIMIT', `AMF0 nested deeper than ${MAX_AMF_DEPTH}`);
    const marker = this.u8('marker');
    switch (marker) {
      case AmfMarker.Number:
        return this.f64('number');
      case AmfMarker.Boolean:
        return this.u8('boolean') !== 0;
      case AmfMarker.String:
        return this.utf8(this.u16('string length'), 'string');
      case AmfMarker.LongString:
        return this.utf8(this.u32('long string length'), 'long string');
      case AmfMarker.Object:
        return this.properties(depth);
      case AmfMarker.EcmaArray:
        // The count is a hint only (encoders get it wrong); the end marker is what ends it.
        this.u32('ECMA array count');
        return this.properties(depth);
      case AmfMarker.TypedObject:
        this.utf8(this.u16('class name length'), 'class name');
        return this.properties(depth);
      case AmfMarker.StrictArray: {
        const count = this.u32('strict array count');
        if (count > MAX_AMF_ENTRIES)
          throw new FlvError('AMF_LIMIT', `AMF0 strict array of ${count} entries, cap ${MAX_AMF_ENTRIES}`);
        const items: AmfValue[] = [];
        for (let i = 0; i < count; i++) items.push(this.value(depth + 1));
        return items;
      }
      case AmfMarker.Date: {
        const ms = this.f64('date');
        this.u16('date time zone');
        return new Date(ms);
      }
      case AmfMarker.Null:
        return null;
      case AmfMarker.Undefined:
      case AmfMarker.Unsupported:
        return undefined;
      case AmfMarker.XmlDocument:
        return this.utf8(this.u32('XML length'), 'XML');
      default:
        throw new FlvError('AMF_BAD', `AMF0 marker 0x${marker.toString(16)} at ${this.pos - 1} is not supported`);
    }
  }

  /** Key/value pairs up to the empty key followed by the object-end marker. */
  private properties(depth: number): AmfObject {
    const out: AmfObject = {};
    for (let n = 0; ; n++) {
      if (n > MAX_AMF_ENTRIES) throw new FlvError('AMF_LIMIT', `AMF0 object of more than ${MAX_AMF_ENTRIES} entries`);
      const key = this.utf8(this.u16('key length'), 'key');
      if (key === '') {
        // Some encoders end the last object of a message without the marker: the end of data ends it too.
        if (this.done) return out;
        const marker = this.u8('object end');
        if (marker === AmfMarker.ObjectEnd) return out;
        throw new FlvError(
          'AMF_BAD',
          `AMF0 empty key followed by marker 0x${marker.toString(16)}, expected object end`,
        );
      }
      // Own data property: a key named __proto__ must not reach the prototype.
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
}

/** Every AMF0 value in `data`, in order (an RTMP command is several values back to back). */
export function decodeAmf0(data: Buffer): AmfValue[] {
  const r = new AmfReader(data);
  const values: AmfValue[] = [];
  while (!r.done) {
    if (values.length >= MAX_AMF_ENTRIES) throw new FlvError('AMF_LIMIT', `more than ${MAX_AMF_ENTRIES} AMF0 values`);
    values.push(r.value(0));
  }
  return values;
}

/** The AMF0 bytes of `values`, back to back. Objects are written as anonymous objects. */
export function encodeAmf0(...values: AmfValue[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) writeValue(parts, v, 0);
  return Buffer.concat(parts);
}

/** `onMetaData`-style: the object as an ECMA array (what FLV muxers write). */
export function encodeAmf0EcmaArray(object: AmfObject): Buffer {
  const head = Buffer.alloc(5);
  head[0] = AmfMarker.EcmaArray;
  head.writeUInt32BE(Object.keys(object).length, 1);
  const parts: Buffer[] = [head];
  writeProperties(parts, object, 0);
  return Buffer.concat(parts);
}

function writeString(parts: Buffer[], s: string): void {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > 0xffff) {
    const head = Buffer.alloc(5);
    head[0] = AmfMarker.LongString;
    head.writeUInt32BE(bytes.length, 1);
    parts.push(head, bytes);
    return;
  }
  const head = Buffer.alloc(3);
  head[0] = AmfMarker.String;
  head.writeUInt16BE(bytes.length, 1);
  parts.push(head, bytes);
}

function writeProperties(parts: Buffer[], object: AmfObject, depth: number): void {
  for (const [key, value] of Object.entries(object)) {
    const k = Buffer.from(key, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(Math.min(k.length, 0xffff));
    parts.push(len, k.subarray(0, 0xffff));
    writeValue(parts, value, depth + 1);
  }
  parts.push(Buffer.from([0, 0, AmfMarker.ObjectEnd]));
}

function writeValue(parts: Buffer[], v: AmfValue, depth: number): void {
  if (depth > MAX_AMF_DEPTH) throw new FlvError('AMF_LIMIT', `AMF0 value nested deeper than ${MAX_AMF_DEPTH}`);
  if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = AmfMarker.Number;
    b.writeDoubleBE(v, 1);
    parts.push(b);
  } else if (typeof v === 'boolean') {
    parts.push(Buffer.from([AmfMarker.Boolean, v ? 1 : 0]));
  } else if (typeof v === 'string') {
    writeString(parts, v);
  } else if (v === null) {
    parts.push(Buffer.from([AmfMarker.Null]));
  } else if (v === undefined) {
    parts.push(Buffer.from([AmfMarker.Undefined]));
  } else if (v instanceof Date) {
    const b = Buffer.alloc(11);
    b[0] = AmfMarker.Date;
    b.writeDoubleBE(v.getTime(), 1);
    parts.push(b);
  } else if (Array.isArray(v)) {
    const head = Buffer.alloc(5);
    head[0] = AmfMarker.StrictArray;
    head.writeUInt32BE(v.length, 1);
    parts.push(head);
    for (const item of v) writeValue(parts, item, depth + 1);
  } else {
    parts.push(Buffer.from([AmfMarker.Object]));
    writeProperties(parts, v, depth);
  }
}
