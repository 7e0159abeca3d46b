import { FieldReader, findChild, readBoxHeader, readChildren, requireChild, type Box } from '../../pkg/mp4/boxes.js';
import { Mp4Error } from '../../pkg/mp4/errors.js';
import { parseStsd, type SampleEntry } from '../../pkg/mp4/sample-entry.js';
import type { Mp4TrackKind } from '../../pkg/mp4/types.js';

/**
 * Fragmented MP4 as a live stream carries it (ISO/IEC 14496-12 8.8): an init segment (ftyp + moov with mvex)
 * and then moof + mdat fragments. pkg/mp4's demuxer reads whole files only (it refuses mvex); this reads the
 * two live pieces with its box reader and sample-entry parser. Pure: bytes in, tracks or samples out, Mp4Error
 * for anything malformed or over a cap.
 */

export interface FragmentedTrack extends SampleEntry {
  readonly id: number;
  readonly kind: Mp4TrackKind;
  readonly timescale: number;
  /** trex defaults, used when a fragment's tfhd/trun leave a field out. */
  readonly defaults: { readonly duration: number; readonly size: number; readonly flags: number };
}

export interface FragmentSample {
  readonly trackId: number;
  /** Decode time in the track's timescale. */
  readonly dts: number;
  /** dts plus the composition offset. */
  readonly pts: number;
  readonly duration: number;
  readonly keyframe: boolean;
  /** A view into the fragment. */
  readonly data: Buffer;
}

/** More samples than this in one fragment is not a live stream (a 1 s GOP at 60 fps is 60). */
export const MAX_FRAGMENT_SAMPLES = 10_000;
const MAX_TRACKS = 16;

/** Tracks of an init segment; audio/video tracks of codecs pkg/mp4 does not know are left out. */
export function parseInitSegment(buf: Buffer): FragmentedTrack[] {
  const moov = topLevel(buf, 'moov');
  if (!moov) throw new Mp4Error('MP4_NO_MOOV', `init segment of ${buf.length} bytes has no moov`);
  const children = readChildren(buf, moov);
  const trexById = new Map<number, FragmentedTrack['defaults']>();
  const mvex = findChild(children, 'mvex');
  if (mvex) {
    for (const trex of readChildren(buf, mvex).filter((b) => b.type === 'trex')) {
      const r = new FieldReader(buf, trex);
      r.fullBox();
      const id = r.u32('track_ID');
      r.skip(4, 'default_sample_description_index');
      trexById.set(id, {
        duration: r.u32('default_sample_duration'),
        size: r.u32('default_sample_size'),
        flags: r.u32('default_sample_flags'),
      });
    }
  }
  const traks = children.filter((b) => b.type === 'trak');
  if (traks.length > MAX_TRACKS) throw new Mp4Error('MP4_LIMIT', `${traks.length} tracks, the cap is ${MAX_TRACKS}`);
  const tracks: FragmentedTrack[] = [];
  for (const trak of traks) {
    const parts = readChildren(buf, trak);
    const tkhd = new FieldReader(buf, requireChild(parts, 'tkhd', 'trak'));
    const { version } = tkhd.fullBox();
    tkhd.skip(version === 1 ? 16 : 8, 'tkhd times');
    const id = tkhd.u32('track_ID');
    const mdia = readChildren(buf, requireChild(parts, 'mdia', 'trak'));
    const mdhd = new FieldReader(buf, requireChild(mdia, 'mdhd', 'mdia'));
    const mdhdVersion = mdhd.fullBox().version;
    mdhd.skip(mdhdVersion === 1 ? 16 : 8, 'mdhd times');
    const timescale = mdhd.u32('timescale');
    const hdlr = new FieldReader(buf, requireChild(mdia, 'hdlr', 'mdia'));
    hdlr.fullBox();
    hdlr.skip(4, 'pre_defined');
    const handler = hdlr.bytes(4, 'handler_type').toString('latin1');
    const kind: Mp4TrackKind | undefined = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : undefined;
    if (kind === undefined) continue;
    const minf = readChildren(buf, requireChild(mdia, 'minf', 'mdia'));
    const stbl = readChildren(buf, requireChild(minf, 'stbl', 'minf'));
    const entry = parseStsd(buf, requireChild(stbl, 'stsd', 'stbl'), kind);
    if (entry.codec === undefined) continue;
    if (timescale === 0) throw new Mp4Error('MP4_BAD_BOX', `track ${id}: mdhd timescale is 0`);
    tracks.push({ ...entry, id, kind, timescale, defaults: trexById.get(id) ?? { duration: 0, size: 0, flags: 0 } });
  }
  return tracks;
}

function topLevel(buf: Buffer, type: string): Box | undefined {
  let pos = 0;
  for (let n = 0; n < 64; n++) {
    const box = readBoxHeader(buf, pos, buf.length);
    if (box === undefined) return undefined;
    if (box.type === type) return box;
    pos = box.end;
  }
  throw new Mp4Error('MP4_LIMIT', `no ${type} in the first 64 boxes`);
}

// tfhd flags (8.8.7.1)
const BASE_DATA_OFFSET = 0x1;
const SAMPLE_DESCRIPTION_INDEX = 0x2;
const DEFAULT_DURATION = 0x8;
const DEFAULT_SIZE = 0x10;
const DEFAULT_FLAGS = 0x20;
// trun flags (8.8.8.1)
const DATA_OFFSET = 0x1;
const FIRST_SAMPLE_FLAGS = 0x4;
const SAMPLE_DURATION = 0x100;
const SAMPLE_SIZE = 0x200;
const SAMPLE_FLAGS = 0x400;
const SAMPLE_CTO = 0x800;
/** sample_is_non_sync_sample (8.8.3.1). */
const NON_SYNC = 0x10000;

/**
 * The samples of one fragment (`moof` then `mdat`, possibly more pairs), for the tracks of `tracks`. Data
 * offsets are taken from the moof start unless tfhd names a base (default-base-is-moof, what live
 * fragmenters write); a sample outside the buffer is MP4_TRUNCATED.
 */
export function parseFragment(buf: Buffer, tracks: readonly FragmentedTrack[]): FragmentSample[] {
  const out: FragmentSample[] = [];
  let pos = 0;
  for (let n = 0; n < 64; n++) {
    const box = readBoxHeader(buf, pos, buf.length);
    if (box === undefined) break;
    pos = box.end;
    if (box.type !== 'moof') continue;
    for (const traf of readChildren(buf, box).filter((b) => b.type === 'traf')) readTraf(buf, box, traf, tracks, out);
  }
  return out;
}

function readTraf(buf: Buffer, moof: Box, traf: Box, tracks: readonly FragmentedTrack[], out: FragmentSample[]): void {
  const parts = readChildren(buf, traf);
  const tfhd = new FieldReader(buf, requireChild(parts, 'tfhd', 'traf'));
  const { flags } = tfhd.fullBox();
  const trackId = tfhd.u32('track_ID');
  const track = tracks.find((t) => t.id === trackId);
  if (!track) return;
  const base = flags & BASE_DATA_OFFSET ? tfhd.u64('base_data_offset') : moof.start;
  if (flags & SAMPLE_DESCRIPTION_INDEX) tfhd.skip(4, 'sample_description_index');
  const defaultDuration = flags & DEFAULT_DURATION ? tfhd.u32('default_sample_duration') : track.defaults.duration;
  const defaultSize = flags & DEFAULT_SIZE ? tfhd.u32('default_sample_size') : track.defaults.size;
  const defaultFlags = flags & DEFAULT_FLAGS ? tfhd.u32('default_sample_flags') : track.defaults.flags;
  let dts = 0;
  const tfdtBox = findChild(parts, 'tfdt');
  if (tfdtBox) {
    const tfdt = new FieldReader(buf, tfdtBox);
    dts = tfdt.fullBox().version === 1 ? tfdt.u64('baseMediaDecodeTime') : tfdt.u32('baseMediaDecodeTime');
  }
  let dataAt = base;
  for (const trunBox of parts.filter((b) => b.type === 'trun')) {
    const trun = new FieldReader(buf, trunBox);
    const { version, flags: runFlags } = trun.fullBox();
    const count = trun.u32('sample_count');
    if (out.length + count > MAX_FRAGMENT_SAMPLES)
      throw new Mp4Error('MP4_LIMIT', `${count} samples in a fragment, the cap is ${MAX_FRAGMENT_SAMPLES}`);
    if (runFlags & DATA_OFFSET) dataAt = base + trun.i32('data_offset');
    const firstFlags = runFlags & FIRST_SAMPLE_FLAGS ? trun.u32('first_sample_flags') : undefined;
    for (let i = 0; i < count; i++) {
      const duration = runFlags & SAMPLE_DURATION ? trun.u32('sample_duration') : defaultDuration;
      const size = runFlags & SAMPLE_SIZE ? trun.u32('sample_size') : defaultSize;
      const sampleFlags =
        runFlags & SAMPLE_FLAGS
          ? trun.u32('sample_flags')
          : i === 0 && firstFlags !== undefined
            ? firstFlags
            : defaultFlags;
      const cto =
        runFlags & SAMPLE_CTO
          ? version === 0
            ? trun.u32('sample_composition_time_offset')
            : trun.i32('sample_composition_time_offset')
          : 0;
      if (dataAt < 0 || dataAt + size > buf.length) {
        throw new Mp4Error(
          'MP4_TRUNCATED',
          `track ${trackId} sample ${i} at ${dataAt} (+${size}) ends past the fragment (${buf.length} bytes)`,
        );
      }
      out.push({
        trackId,
        dts,
        pts: dts + cto,
        duration,
        keyframe: (sampleFlags & NON_SYNC) === 0,
        data: buf.subarray(dataAt, dataAt + size),
      });
      dataAt += size;
      dts += duration;
    }
  }
}
