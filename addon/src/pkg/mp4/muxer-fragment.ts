import { BoxWriter } from './box-writer.js';
import { Mp4Error } from './errors.js';
import type { FragmentSample } from './muxer-types.js';

/** Samples one fragment may hold; a live muxer writes one, a recorder a GOP. */
export const MAX_FRAGMENT_SAMPLES = 4096;

// sample_flags (ISO/IEC 14496-12 8.8.3.1): sample_depends_on = 2 (an I-frame) for sync samples, and
// sample_depends_on = 1 plus sample_is_non_sync_sample for the rest. Audio frames are all sync samples.
const SYNC_SAMPLE = 0x02000000;
const NON_SYNC_SAMPLE = 0x01010000;

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_SAMPLE_DURATION = 0x000100;
const TRUN_SAMPLE_SIZE = 0x000200;
const TRUN_SAMPLE_FLAGS = 0x000400;

/**
 * Fixed positions in every moof `buildMoof` writes (one traf, tfdt version 1), so a shared fragment can be
 * re-timed for each client by patching a small copy of the moof instead of rebuilding it:
 * moof(8) mfhd(16) traf(8) tfhd(16) tfdt(20) trun(20 + 12 per sample).
 */
export const MOOF_SEQUENCE_OFFSET = 8 + 12;
export const MOOF_DECODE_TIME_OFFSET = 8 + 16 + 8 + 16 + 12;
export const MOOF_FIRST_DURATION_OFFSET = 8 + 16 + 8 + 16 + 20 + 20;

export function moofSize(sampleCount: number): number {
  return 88 + 12 * sampleCount;
}

/**
 * A movie fragment header for `samples` of one track, whose bytes follow in the next box (the mdat), so the
 * trun data offset is the moof size plus the mdat header (default-base-is-moof, as MSE requires).
 */
export function buildMoof(
  sequence: number,
  trackId: number,
  decodeTime: number,
  samples: readonly FragmentSample[],
): Buffer {
  if (samples.length === 0 || samples.length > MAX_FRAGMENT_SAMPLES) {
    throw new Mp4Error('MP4_MUX_INPUT', `a fragment holds 1..${MAX_FRAGMENT_SAMPLES} samples, got ${samples.length}`);
  }
  checkU32(sequence, 'sequence number');
  checkU32(trackId, 'track ID');
  if (!Number.isSafeInteger(decodeTime) || decodeTime < 0)
    throw new Mp4Error('MP4_MUX_INPUT', `decode time ${decodeTime}`);
  const size = moofSize(samples.length);
  const w = new BoxWriter(size);
  w.start('moof');
  w.startFull('mfhd', 0, 0).u32(sequence).end();
  w.start('traf');
  w.startFull('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF).u32(trackId).end();
  w.startFull('tfdt', 1, 0).u64(decodeTime).end();
  w.startFull('trun', 0, TRUN_DATA_OFFSET | TRUN_SAMPLE_DURATION | TRUN_SAMPLE_SIZE | TRUN_SAMPLE_FLAGS);
  w.u32(samples.length);
  w.u32(size + 8); // data_offset: past this moof and the mdat header
  let total = 0;
  for (const sample of samples) {
    checkU32(sample.size, 'sample size');
    if (!Number.isInteger(sample.duration) || sample.duration < 1 || sample.duration > 0xffffffff) {
      throw new Mp4Error('MP4_MUX_INPUT', `sample duration ${sample.duration}`);
    }
    total += sample.size;
    w.u32(sample.duration)
      .u32(sample.size)
      .u32(sample.keyframe ? SYNC_SAMPLE : NON_SYNC_SAMPLE);
  }
  if (total + 8 > 0xffffffff) throw new Mp4Error('MP4_MUX_INPUT', `fragment of ${total} bytes needs a 64-bit mdat`);
  w.end().end().end(); // trun, traf, moof
  return w.finish();
}

/** The mdat box: its 8-byte header and the sample bytes, in one buffer built once and shared. */
export function buildMdat(payloads: readonly Uint8Array[]): Buffer {
  let size = 8;
  for (const p of payloads) size += p.length;
  if (size > 0xffffffff) throw new Mp4Error('MP4_MUX_INPUT', `mdat of ${size} bytes needs a 64-bit size`);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(size, 0);
  out.write('mdat', 4, 'latin1');
  let pos = 8;
  for (const p of payloads) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * A copy of a moof written by `buildMoof`, with a new sequence number and decode time and, optionally, a new
 * duration for its first sample. Costs one small allocation; the mdat it describes is unchanged and shared.
 */
export function retimeMoof(moof: Buffer, sequence: number, decodeTime: number, firstDuration?: number): Buffer {
  if (moof.length < moofSize(1) || moof.toString('latin1', 4, 8) !== 'moof') {
    throw new Mp4Error('MP4_MUX_INPUT', 'not a moof written by buildMoof');
  }
  checkU32(sequence, 'sequence number');
  if (!Number.isSafeInteger(decodeTime) || decodeTime < 0)
    throw new Mp4Error('MP4_MUX_INPUT', `decode time ${decodeTime}`);
  const out = Buffer.allocUnsafe(moof.length);
  moof.copy(out);
  out.writeUInt32BE(sequence, MOOF_SEQUENCE_OFFSET);
  // Two 32-bit halves: cheaper than a BigInt per client per frame.
  out.writeUInt32BE(Math.floor(decodeTime / 0x100000000), MOOF_DECODE_TIME_OFFSET);
  out.writeUInt32BE(decodeTime >>> 0, MOOF_DECODE_TIME_OFFSET + 4);
  if (firstDuration !== undefined) {
    if (!Number.isInteger(firstDuration) || firstDuration < 1 || firstDuration > 0xffffffff) {
      throw new Mp4Error('MP4_MUX_INPUT', `sample duration ${firstDuration}`);
    }
    out.writeUInt32BE(firstDuration, MOOF_FIRST_DURATION_OFFSET);
  }
  return out;
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new Mp4Error('MP4_MUX_INPUT', `${what} ${v} does not fit 32 bits`);
}
