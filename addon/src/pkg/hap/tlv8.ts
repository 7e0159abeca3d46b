import { HapError } from './errors.js';

/** One TLV8 item; a value longer than 255 bytes is one item here and several fragments on the wire. */
export interface TlvItem {
  readonly type: number;
  readonly value: Buffer;
}

/** Type 0xff with no value separates two consecutive items of the same type (a list). */
export const TLV_SEPARATOR = 0xff;
const MAX_FRAGMENT = 255;

export type TlvValue = Buffer | number | string;

/**
 * HAP's TLV8 (HAP spec §14.1): type (1 byte), length (1 byte), value. Values over 255 bytes are split into
 * fragments of 255 of the same type. A number is written as one little-endian byte (use `uintLE` for wider
 * fields), a string as UTF-8.
 */
export function encodeTlv(items: ReadonlyArray<readonly [number, TlvValue]>): Buffer {
  const parts: Buffer[] = [];
  for (const [type, raw] of items) {
    if (!Number.isInteger(type) || type < 0 || type > 0xff)
      throw new HapError('HAP_TLV_INVALID', `type ${type} is not a byte`);
    const value = typeof raw === 'number' ? uintLE(raw, 1) : typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    if (value.length === 0) {
      parts.push(Buffer.from([type, 0]));
      continue;
    }
    for (let at = 0; at < value.length; at += MAX_FRAGMENT) {
      const chunk = value.subarray(at, at + MAX_FRAGMENT);
      parts.push(Buffer.from([type, chunk.length]), chunk);
    }
  }
  return Buffer.concat(parts);
}

/**
 * Reads TLV8 items in order. A fragment of 255 bytes followed by one of the same type continues the same value
 * (the spec's rule); a shorter one ends it, so two short items of one type stay two items. Separators are kept
 * as items (type 0xff, empty), because they mark where list entries end. Throws HAP_TLV_INVALID when an item
 * runs past the end. Pure: the values are copies, the input is never written.
 */
export function decodeTlv(input: Buffer): TlvItem[] {
  const items: TlvItem[] = [];
  let at = 0;
  let open: { type: number; chunks: Buffer[] } | undefined;
  let lastLength = 0;
  const flush = (): void => {
    if (open) items.push({ type: open.type, value: Buffer.concat(open.chunks) });
    open = undefined;
  };
  while (at < input.length) {
    if (at + 2 > input.length)
      throw new HapError('HAP_TLV_INVALID', `item header at ${at} is cut (${input.length} bytes)`);
    const type = input[at]!;
    const length = input[at + 1]!;
    if (at + 2 + length > input.length)
      throw new HapError(
        'HAP_TLV_INVALID',
        `item type ${type} at ${at} declares ${length} bytes, ${input.length - at - 2} left`,
      );
    const value = input.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    if (open && open.type === type && lastLength === MAX_FRAGMENT) {
      open.chunks.push(value);
    } else {
      flush();
      open = { type, chunks: [value] };
    }
    lastLength = length;
  }
  flush();
  return items;
}

/** The first item of `type`, if any. */
export function tlvGet(items: readonly TlvItem[], type: number): Buffer | undefined {
  return items.find((item) => item.type === type)?.value;
}

/** Like tlvGet, but throws HAP_TLV_INVALID naming `what` when the item is missing. */
export function tlvRequire(items: readonly TlvItem[], type: number, what: string): Buffer {
  const value = tlvGet(items, type);
  if (value === undefined) throw new HapError('HAP_TLV_INVALID', `${what} (type ${type}) missing`);
  return value;
}

/** Every item of `type`, in order (list entries, possibly separated by 0xff items). */
export function tlvGetAll(items: readonly TlvItem[], type: number): Buffer[] {
  return items.filter((item) => item.type === type).map((item) => item.value);
}

/** A little-endian unsigned integer of `bytes` (1, 2 or 4) bytes. */
export function uintLE(value: number, bytes: 1 | 2 | 4): Buffer {
  const out = Buffer.alloc(bytes);
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * bytes))
    throw new HapError('HAP_TLV_INVALID', `${value} does not fit ${bytes} byte(s)`);
  out.writeUIntLE(value, 0, bytes);
  return out;
}

/** Reads a 1-, 2- or 4-byte little-endian unsigned value (HAP's integer fields); throws on any other size. */
export function readUintLE(value: Buffer, what: string): number {
  if (value.length !== 1 && value.length !== 2 && value.length !== 4)
    throw new HapError('HAP_TLV_INVALID', `${what}: ${value.length} bytes is not an integer field`);
  return value.readUIntLE(0, value.length);
}

/** A little-endian float32 (RTCP interval). */
export function float32LE(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeFloatLE(value, 0);
  return out;
}
