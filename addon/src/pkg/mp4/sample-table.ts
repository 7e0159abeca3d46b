import { FieldReader, type Box } from './boxes.js';
import { Mp4Error } from './errors.js';
import type { Mp4Sample } from './types.js';

/** The stbl children that describe samples; the caller found them. */
export interface SampleTableBoxes {
  readonly stsz?: Box;
  readonly stz2?: Box;
  readonly stts?: Box;
  readonly ctts?: Box;
  readonly stsc?: Box;
  readonly stco?: Box;
  readonly co64?: Box;
  readonly stss?: Box;
}

export interface SampleTableLimits {
  readonly maxSamples: number;
  /** When set, every sample must end at or before this offset. */
  readonly dataEnd: number | undefined;
}

/** Where a table's entries start and how many there are; its bytes are already bounds-checked. */
interface Table {
  readonly start: number;
  readonly count: number;
}

function table(buf: Buffer, box: Box, entrySize: number): Table {
  const r = new FieldReader(buf, box);
  r.fullBox();
  const count = r.u32('entry_count');
  r.need(count * entrySize, `${count} entries`);
  return { start: r.position, count };
}

/**
 * Sample sizes: a constant, or a table of 4, 8, 16 or 32-bit fields at `start`. Kept as
 * data rather than a closure so the per-sample loop stays monomorphic.
 */
interface SizeTable {
  readonly count: number;
  readonly constant: number;
  readonly start: number;
  readonly bits: 0 | 4 | 8 | 16 | 32;
}

function sizeAt(view: DataView, t: SizeTable, i: number): number {
  switch (t.bits) {
    case 0:
      return t.constant;
    case 32:
      return view.getUint32(t.start + i * 4);
    case 16:
      return view.getUint16(t.start + i * 2);
    case 8:
      return view.getUint8(t.start + i);
    case 4:
      // Two sizes per byte, the first in the high nibble (ISO/IEC 14496-12 8.7.3.3).
      return (view.getUint8(t.start + (i >> 1)) >> (i & 1 ? 0 : 4)) & 0x0f;
  }
}

function readSizes(buf: Buffer, t: SampleTableBoxes, maxSamples: number): SizeTable {
  if (t.stsz !== undefined) {
    const r = new FieldReader(buf, t.stsz);
    r.fullBox();
    const constant = r.u32('sample_size');
    const count = r.u32('sample_count');
    checkCount(count, maxSamples);
    if (constant !== 0) return { count, constant, start: 0, bits: 0 };
    r.need(count * 4, `${count} sample sizes`);
    return { count, constant: 0, start: r.position, bits: 32 };
  }
  if (t.stz2 !== undefined) {
    const r = new FieldReader(buf, t.stz2);
    r.fullBox();
    r.skip(3, 'reserved');
    const fieldSize = r.u8('field_size');
    const count = r.u32('sample_count');
    checkCount(count, maxSamples);
    const start = r.position;
    if (fieldSize === 4 || fieldSize === 8 || fieldSize === 16) {
      r.need(Math.ceil((count * fieldSize) / 8), `${count} sample sizes`);
      return { count, constant: 0, start, bits: fieldSize };
    }
    throw new Mp4Error('MP4_BAD_BOX', `'stz2' field_size ${fieldSize} is not 4, 8 or 16`);
  }
  throw new Mp4Error('MP4_BAD_BOX', "'stbl' has neither 'stsz' nor 'stz2'");
}

function checkCount(count: number, maxSamples: number): void {
  if (count > maxSamples) {
    throw new Mp4Error('MP4_LIMIT', `${count} samples in one track, the cap is ${maxSamples}`);
  }
}

function need(box: Box | undefined, name: string): Box {
  if (box === undefined) throw new Mp4Error('MP4_BAD_BOX', `'stbl' has no '${name}'`);
  return box;
}

/**
 * Expands the sample tables into one entry per sample. Every loop is bounded by a table
 * whose bytes are present in the file or by the capped sample count, so a hostile file
 * costs at most O(file size + cap).
 */
export function buildSamples(buf: Buffer, t: SampleTableBoxes, limits: SampleTableLimits): Mp4Sample[] {
  const sizes = readSizes(buf, t, limits.maxSamples);
  // One DataView for the hot loop: its reads are inlined by V8, Buffer's are not always.
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = sizes.count;
  if (count === 0) return [];

  const stts = table(buf, need(t.stts, 'stts'), 8);
  const stsc = table(buf, need(t.stsc, 'stsc'), 12);
  const co64 = t.co64 !== undefined;
  const chunks = table(buf, need(t.co64 ?? t.stco, 'stco'), co64 ? 8 : 4);
  const ctts = t.ctts !== undefined ? table(buf, t.ctts, 8) : undefined;
  const keyframes = t.stss !== undefined ? readSyncSamples(buf, t.stss, count) : undefined;

  if (stsc.count === 0 || buf.readUInt32BE(stsc.start) !== 1) {
    throw new Mp4Error('MP4_BAD_TABLE', "'stsc' does not start at chunk 1");
  }

  const samples: Mp4Sample[] = [];
  let sttsIndex = 0;
  let sttsLeft = 0;
  let delta = 0;
  let cttsIndex = 0;
  let cttsLeft = 0;
  let ctOffset = 0;
  let stscIndex = 0;
  let dts = 0;
  let i = 0;
  for (let chunk = 0; i < count; chunk++) {
    if (chunk >= chunks.count) {
      throw new Mp4Error('MP4_BAD_TABLE', `${chunks.count} chunks hold only ${i} of ${count} samples`);
    }
    // stsc entries are runs keyed by their 1-based first chunk; move to the run this chunk is in.
    while (stscIndex + 1 < stsc.count) {
      const next = view.getUint32(stsc.start + (stscIndex + 1) * 12);
      if (next > chunk + 1) break;
      if (next <= view.getUint32(stsc.start + stscIndex * 12)) {
        throw new Mp4Error('MP4_BAD_TABLE', `'stsc' entry ${stscIndex + 1} does not increase first_chunk`);
      }
      stscIndex++;
    }
    const perChunk = view.getUint32(stsc.start + stscIndex * 12 + 4);
    let offset = co64 ? readU64(view, chunks.start + chunk * 8) : view.getUint32(chunks.start + chunk * 4);

    for (let k = 0; k < perChunk && i < count; k++, i++) {
      const size = sizeAt(view, sizes, i);
      while (sttsLeft === 0) {
        if (sttsIndex >= stts.count) {
          throw new Mp4Error('MP4_BAD_TABLE', `'stts' gives times for ${i} of ${count} samples`);
        }
        sttsLeft = view.getUint32(stts.start + sttsIndex * 8);
        delta = view.getUint32(stts.start + sttsIndex * 8 + 4);
        sttsIndex++;
      }
      sttsLeft--;
      let pts = dts;
      if (ctts !== undefined) {
        while (cttsLeft === 0 && cttsIndex < ctts.count) {
          cttsLeft = view.getUint32(ctts.start + cttsIndex * 8);
          // Read as signed whatever the box version: writers put negative offsets in
          // version 0 too, and no real offset needs the 32nd bit.
          ctOffset = view.getInt32(ctts.start + cttsIndex * 8 + 4);
          cttsIndex++;
        }
        // A short ctts is common enough in the wild that players treat the rest as 0.
        if (cttsLeft > 0) {
          cttsLeft--;
          pts = dts + ctOffset;
        }
      }
      if (limits.dataEnd !== undefined && offset + size > limits.dataEnd) {
        throw new Mp4Error(
          'MP4_TRUNCATED',
          `sample ${i + 1} at ${offset} (+${size}) ends past the data (${limits.dataEnd} bytes)`,
        );
      }
      samples.push({
        offset,
        size,
        dts,
        pts,
        duration: delta,
        keyframe: keyframes === undefined || keyframes[i] === 1,
      });
      offset += size;
      dts += delta;
    }
  }
  if (!Number.isSafeInteger(dts)) throw new Mp4Error('MP4_BAD_TABLE', `track duration ${dts} is too large`);
  return samples;
}

function readU64(view: DataView, pos: number): number {
  const v = view.getBigUint64(pos);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4Error('MP4_BAD_TABLE', `chunk offset ${v} is too large`);
  return Number(v);
}

/** stss lists 1-based sync sample numbers; numbers outside the track are ignored. */
function readSyncSamples(buf: Buffer, stss: Box, count: number): Uint8Array {
  const t = table(buf, stss, 4);
  const flags = new Uint8Array(count);
  for (let k = 0; k < t.count; k++) {
    const n = buf.readUInt32BE(t.start + k * 4);
    if (n >= 1 && n <= count) flags[n - 1] = 1;
  }
  return flags;
}
