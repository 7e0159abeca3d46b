import { FieldReader, findChild, printable, readBoxHeader, readChildren, requireChild, type Box } from './boxes.js';
import { Mp4Error } from './errors.js';
import { buildSamples } from './sample-table.js';
import { parseStsd } from './sample-entry.js';
import type {
  Mp4Edit,
  Mp4IgnoredTrack,
  Mp4Movie,
  Mp4ParseOptions,
  Mp4Sample,
  Mp4Track,
  Mp4TrackKind,
} from './types.js';

export const DEFAULT_MAX_SAMPLES_PER_TRACK = 2 ** 21;
/** Boxes scanned before the moov; a plain file has a handful (ftyp, free, mdat, moov). */
export const MAX_TOP_LEVEL_BOXES = 1024;
export const MAX_TRACKS = 64;
export const MAX_EDITS = 1024;

/**
 * Reads the movie of a plain (non-fragmented) MP4/MOV held in memory. Only the moov is
 * parsed; sample payloads stay in `file` and are reached with `sampleData`.
 * Throws Mp4Error for anything malformed, truncated or over a cap.
 */
export function parseMp4(file: Buffer, options: Mp4ParseOptions = {}): Mp4Movie {
  const maxSamples = options.maxSamplesPerTrack ?? DEFAULT_MAX_SAMPLES_PER_TRACK;
  const dataEnd = (options.requireSampleData ?? true) ? file.length : undefined;
  const moov = findMoov(file);
  const children = readChildren(file, moov);
  if (findChild(children, 'mvex') !== undefined) {
    throw new Mp4Error('MP4_FRAGMENTED', 'moov has mvex: a fragmented MP4, which this demuxer does not read');
  }
  const mvhd = new FieldReader(file, requireChild(children, 'mvhd', 'moov'));
  const { version } = mvhd.fullBox();
  mvhd.skip(version === 1 ? 16 : 8, 'mvhd times');
  const timescale = mvhd.u32('timescale');
  const durationTicks = version === 1 ? mvhd.u64('duration') : mvhd.u32('duration');

  const traks = children.filter((b) => b.type === 'trak');
  if (traks.length > MAX_TRACKS) throw new Mp4Error('MP4_LIMIT', `${traks.length} tracks, the cap is ${MAX_TRACKS}`);
  const tracks: Mp4Track[] = [];
  const ignored: Mp4IgnoredTrack[] = [];
  for (const trak of traks) {
    const parsed = parseTrak(file, trak, maxSamples, dataEnd);
    if ('samples' in parsed) tracks.push(parsed);
    else ignored.push(parsed);
  }
  return { timescale, durationTicks, tracks, ignored };
}

/** The payload of one sample: a view into `file`, not a copy. */
export function sampleData(file: Buffer, sample: Mp4Sample): Buffer {
  const { offset, size } = sample;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0) {
    throw new Mp4Error('MP4_BAD_TABLE', `sample range ${offset}+${size} is not a byte range`);
  }
  if (offset + size > file.length) {
    throw new Mp4Error('MP4_TRUNCATED', `sample at ${offset} (+${size}) ends past the data (${file.length} bytes)`);
  }
  return file.subarray(offset, offset + size);
}

function findMoov(file: Buffer): Box {
  let pos = 0;
  for (let n = 0; ; n++) {
    if (n >= MAX_TOP_LEVEL_BOXES) {
      throw new Mp4Error('MP4_LIMIT', `no moov in the first ${MAX_TOP_LEVEL_BOXES} boxes`);
    }
    // The scan stops at the first moov, so a cut-off mdat after it does not matter.
    const box = readBoxHeader(file, pos, file.length);
    if (box === undefined) throw new Mp4Error('MP4_NO_MOOV', `no moov box in ${file.length} bytes`);
    if (box.type === 'moov') return box;
    if (box.type === 'moof') {
      throw new Mp4Error('MP4_FRAGMENTED', 'moof before any moov: a fragmented MP4 segment');
    }
    pos = box.end;
  }
}

function parseTrak(
  file: Buffer,
  trak: Box,
  maxSamples: number,
  dataEnd: number | undefined,
): Mp4Track | Mp4IgnoredTrack {
  const children = readChildren(file, trak);
  const tkhd = new FieldReader(file, requireChild(children, 'tkhd', 'trak'));
  const { version } = tkhd.fullBox();
  tkhd.skip(version === 1 ? 16 : 8, 'tkhd times');
  const id = tkhd.u32('track_ID');

  const mdia = readChildren(file, requireChild(children, 'mdia', 'trak'));
  const mdhd = new FieldReader(file, requireChild(mdia, 'mdhd', 'mdia'));
  const mdhdVersion = mdhd.fullBox().version;
  mdhd.skip(mdhdVersion === 1 ? 16 : 8, 'mdhd times');
  const timescale = mdhd.u32('timescale');

  const hdlr = new FieldReader(file, requireChild(mdia, 'hdlr', 'mdia'));
  hdlr.fullBox();
  hdlr.skip(4, 'pre_defined');
  const handler = hdlr.bytes(4, 'handler_type').toString('latin1');

  const minf = readChildren(file, requireChild(mdia, 'minf', 'mdia'));
  const stbl = readChildren(file, requireChild(minf, 'stbl', 'minf'));
  const stsd = requireChild(stbl, 'stsd', 'stbl');

  const kind: Mp4TrackKind | undefined = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : undefined;
  if (kind === undefined) return { id, handler: printable(handler), format: firstFormat(file, stsd) };
  const entry = parseStsd(file, stsd, kind);
  if (entry.codec === undefined) return { id, handler, format: printable(entry.format) };
  if (timescale === 0) throw new Mp4Error('MP4_BAD_BOX', `track ${id}: mdhd timescale is 0`);

  const samples = buildSamples(
    file,
    {
      stsz: findChild(stbl, 'stsz'),
      stz2: findChild(stbl, 'stz2'),
      stts: findChild(stbl, 'stts'),
      ctts: findChild(stbl, 'ctts'),
      stsc: findChild(stbl, 'stsc'),
      stco: findChild(stbl, 'stco'),
      co64: findChild(stbl, 'co64'),
      stss: findChild(stbl, 'stss'),
    },
    { maxSamples, dataEnd },
  );
  const last = samples[samples.length - 1];
  const edts = findChild(children, 'edts');
  return {
    ...entry,
    id,
    kind,
    codec: entry.codec,
    timescale,
    durationTicks: last === undefined ? 0 : last.dts + last.duration,
    edits: edts === undefined ? [] : parseEdits(file, edts),
    samples,
  };
}

/** The four-character code of the first sample entry, for reporting an ignored track. */
function firstFormat(file: Buffer, stsd: Box): string {
  const r = new FieldReader(file, stsd);
  r.fullBox();
  if (r.u32('entry_count') === 0) return '';
  const entry = readBoxHeader(file, r.position, stsd.end);
  return entry === undefined ? '' : printable(entry.type);
}

function parseEdits(file: Buffer, edts: Box): Mp4Edit[] {
  const elst = findChild(readChildren(file, edts), 'elst');
  if (elst === undefined) return [];
  const r = new FieldReader(file, elst);
  const { version } = r.fullBox();
  const count = r.u32('entry_count');
  if (count > MAX_EDITS) throw new Mp4Error('MP4_LIMIT', `${count} edits, the cap is ${MAX_EDITS}`);
  const edits: Mp4Edit[] = [];
  for (let k = 0; k < count; k++) {
    const segmentDuration = version === 1 ? r.u64('segment_duration') : r.u32('segment_duration');
    const mediaTime = version === 1 ? r.i64('media_time') : r.i32('media_time');
    const rate = r.i16('media_rate_integer') + r.u16('media_rate_fraction') / 65536;
    edits.push({ segmentDuration, mediaTime, rate });
  }
  return edits;
}
