import { FieldReader, findChild, readBoxHeader, readChildren, type Box } from './boxes.js';
import { Mp4Error } from './errors.js';
import type { Mp4Codec, Mp4TrackKind } from './types.js';

/** What the first sample description of a track says about its codec. */
export interface SampleEntry {
  readonly format: string;
  /** Undefined when the format is not one this demuxer returns. */
  readonly codec: Mp4Codec | undefined;
  readonly width?: number;
  readonly height?: number;
  readonly channels?: number;
  readonly sampleRate?: number;
  readonly avcC?: Buffer;
  readonly hvcC?: Buffer;
  readonly audioSpecificConfig?: Buffer;
  readonly opusPreSkip?: number;
}

// VisualSampleEntry (ISO/IEC 14496-12 12.1.3): 6 reserved + 2 data_reference_index + 16
// pre_defined/reserved, then width, height, and 50 bytes up to the child boxes.
const VISUAL_SIZE_OFFSET = 24;
const VISUAL_HEADER = 78;
// AudioSampleEntry: 8 + version(2) revision(2) vendor(4) channels(2) samplesize(2)
// compression_id(2) packet_size(2) samplerate(4, 16.16). QuickTime sound description
// versions 1 and 2 append 16 and 36 bytes before the child boxes.
const AUDIO_HEADER = 28;
const QT_V1_EXTRA = 16;
const QT_V2_EXTRA = 36;

const VIDEO_FORMATS: Readonly<Record<string, Mp4Codec>> = {
  avc1: 'H264',
  avc3: 'H264',
  hvc1: 'H265',
  hev1: 'H265',
  jpeg: 'JPEG',
  mjpa: 'JPEG',
};

const AUDIO_FORMATS: Readonly<Record<string, Mp4Codec>> = {
  Opus: 'OPUS',
  ulaw: 'PCMU',
  alaw: 'PCMA',
};

// MPEG-4 objectTypeIndication values (MP4RA): 0x40 MPEG-4 Audio, 0x66-0x68 MPEG-2 AAC
// profiles; 0x6C is JPEG, which ffmpeg's mp4 muxer stores as 'mp4v'.
const AAC_OBJECT_TYPES = new Set([0x40, 0x66, 0x67, 0x68]);
const JPEG_OBJECT_TYPE = 0x6c;

/** Parses the first entry of an stsd box. */
export function parseStsd(buf: Buffer, stsd: Box, kind: Mp4TrackKind): SampleEntry {
  const r = new FieldReader(buf, stsd);
  r.fullBox();
  const count = r.u32('entry_count');
  if (count === 0) throw new Mp4Error('MP4_BAD_BOX', "'stsd' has no sample entry");
  // Only the first description is used: files with several switch codecs mid-track,
  // which none of our consumers can follow anyway.
  const entry = readBoxHeader(buf, r.position, stsd.end);
  if (entry === undefined) throw new Mp4Error('MP4_TRUNCATED', "'stsd' entry cut off");
  return kind === 'video' ? parseVisual(buf, entry) : parseAudio(buf, entry);
}

function parseVisual(buf: Buffer, entry: Box): SampleEntry {
  const r = new FieldReader(buf, entry);
  r.skip(VISUAL_SIZE_OFFSET, 'visual sample entry');
  const width = r.u16('width');
  const height = r.u16('height');
  r.need(VISUAL_HEADER - VISUAL_SIZE_OFFSET - 4, 'visual sample entry');
  const children = childrenFrom(buf, entry, entry.bodyStart + VISUAL_HEADER);
  let codec = VIDEO_FORMATS[entry.type];
  if (entry.type === 'mp4v') {
    const esds = findChild(children, 'esds');
    if (esds !== undefined && parseEsds(buf, esds).objectType === JPEG_OBJECT_TYPE) codec = 'JPEG';
  }
  const avcC = findChild(children, 'avcC');
  const hvcC = findChild(children, 'hvcC');
  return {
    format: entry.type,
    codec,
    width,
    height,
    ...(codec === 'H264' && avcC !== undefined ? { avcC: body(buf, avcC) } : {}),
    ...(codec === 'H265' && hvcC !== undefined ? { hvcC: body(buf, hvcC) } : {}),
  };
}

function parseAudio(buf: Buffer, entry: Box): SampleEntry {
  const r = new FieldReader(buf, entry);
  r.skip(8, 'audio sample entry');
  const version = r.u16('sound version');
  r.skip(6, 'audio sample entry');
  let channels = r.u16('channelcount');
  r.skip(6, 'audio sample entry');
  let sampleRate = r.u32('samplerate') >>> 16;
  let childStart = entry.bodyStart + AUDIO_HEADER;
  if (version === 1) {
    r.need(QT_V1_EXTRA, 'QuickTime v1 sound description');
    childStart += QT_V1_EXTRA;
  } else if (version === 2) {
    // v2 moves the real rate (float64) and channel count after the fixed fields.
    r.skip(4, 'QuickTime v2 sound description');
    r.need(8, 'QuickTime v2 sample rate');
    const rate = buf.readDoubleBE(r.position);
    r.skip(8);
    channels = r.u32('QuickTime v2 channels');
    r.need(QT_V2_EXTRA - 16, 'QuickTime v2 sound description');
    sampleRate = Number.isFinite(rate) && rate > 0 && rate < 2 ** 32 ? Math.round(rate) : 0;
    childStart += QT_V2_EXTRA;
  }
  const children = childrenFrom(buf, entry, childStart);
  let codec = AUDIO_FORMATS[entry.type];
  let audioSpecificConfig: Buffer | undefined;
  let opusPreSkip: number | undefined;
  if (entry.type === 'mp4a') {
    const esds = findChild(children, 'esds');
    if (esds !== undefined) {
      const info = parseEsds(buf, esds);
      if (AAC_OBJECT_TYPES.has(info.objectType)) {
        codec = 'AAC';
        audioSpecificConfig = info.decoderSpecificInfo;
      }
    }
  } else if (entry.type === 'Opus') {
    const dOps = findChild(children, 'dOps');
    if (dOps === undefined) throw new Mp4Error('MP4_BAD_BOX', "'Opus' sample entry has no 'dOps'");
    const o = new FieldReader(buf, dOps);
    o.u8('dOps version');
    channels = o.u8('OutputChannelCount');
    opusPreSkip = o.u16('PreSkip');
    // Opus always decodes at 48 kHz; InputSampleRate is informational only (RFC 7845 5.1).
    sampleRate = 48000;
  }
  return {
    format: entry.type,
    codec,
    channels,
    sampleRate,
    ...(audioSpecificConfig !== undefined ? { audioSpecificConfig } : {}),
    ...(opusPreSkip !== undefined ? { opusPreSkip } : {}),
  };
}

function childrenFrom(buf: Buffer, entry: Box, start: number): Box[] {
  if (start > entry.end) throw new Mp4Error('MP4_TRUNCATED', `'${entry.type}' sample entry cut off`);
  return readChildren(buf, { type: entry.type, start: entry.start, bodyStart: start, end: entry.end });
}

function body(buf: Buffer, box: Box): Buffer {
  return buf.subarray(box.bodyStart, box.end);
}

interface EsdsInfo {
  readonly objectType: number;
  readonly decoderSpecificInfo?: Buffer;
}

const ES_DESCRIPTOR = 0x03;
const DECODER_CONFIG_DESCRIPTOR = 0x04;
const DECODER_SPECIFIC_INFO = 0x05;

/** Walks ES_Descriptor > DecoderConfigDescriptor > DecSpecificInfo (ISO/IEC 14496-1 7.2.6). */
export function parseEsds(buf: Buffer, esds: Box): EsdsInfo {
  const r = new FieldReader(buf, esds);
  r.fullBox();
  const es = readDescriptor(buf, r, ES_DESCRIPTOR);
  const er = new FieldReader(buf, es);
  er.u16('ES_ID');
  const flags = er.u8('ES flags');
  if (flags & 0x80) er.skip(2, 'dependsOn_ES_ID');
  if (flags & 0x40) er.skip(er.u8('URLlength'), 'URLstring');
  if (flags & 0x20) er.skip(2, 'OCR_ES_Id');
  const dc = readDescriptor(buf, er, DECODER_CONFIG_DESCRIPTOR);
  const dr = new FieldReader(buf, dc);
  const objectType = dr.u8('objectTypeIndication');
  dr.skip(12, 'DecoderConfigDescriptor');
  if (dr.remaining < 2) return { objectType };
  const dsi = readDescriptor(buf, dr, DECODER_SPECIFIC_INFO);
  return { objectType, decoderSpecificInfo: buf.subarray(dsi.bodyStart, dsi.end) };
}

/** Reads one descriptor header (tag + 1..4 byte size) and returns its extent as a Box. */
function readDescriptor(buf: Buffer, r: FieldReader, tag: number): Box {
  const start = r.position;
  const got = r.u8('descriptor tag');
  if (got !== tag) throw new Mp4Error('MP4_BAD_BOX', `esds: descriptor tag ${got} where ${tag} was expected`);
  let size = 0;
  for (let i = 0; i < 4; i++) {
    const b = r.u8('descriptor size');
    size = size * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) break;
  }
  r.need(size, `descriptor ${tag}`);
  const box: Box = { type: 'esds', start, bodyStart: r.position, end: r.position + size };
  r.skip(size);
  return box;
}
