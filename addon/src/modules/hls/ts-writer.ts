import { parseAvcConfig } from '../../pkg/h264/index.js';
import type { MuxerTrack } from '../../pkg/mp4/index.js';
import {
  adtsConfig,
  adtsFrame,
  h264AccessUnit,
  h265AccessUnit,
  hvccParameterSets,
  MpegTsError,
  TsMuxer,
  type AdtsConfig,
  type TsCodec,
} from '../../pkg/mpegts/index.js';
import type { PlacedUnit } from '../mp4/index.js';

const MDAT_HEADER = 8;

type Writer = (sample: Buffer, keyframe: boolean) => Buffer;

/**
 * Re-muxes a client's placed fMP4 fragments into MPEG-TS: the sample bytes come out of the shared mdat, the
 * decoder configuration out of the session's init tracks (SPS/PPS for key frames, the ADTS fields), and the
 * times are the client's timeline in 90 kHz. One per HLS/TS session (the muxer holds continuity counters).
 */
export class TsSegmentWriter {
  private readonly muxer: TsMuxer;
  private readonly writers: Map<MuxerTrack, { index: number; write: Writer; timescale: number }>;

  constructor(tracks: readonly MuxerTrack[]) {
    this.muxer = new TsMuxer(tracks.map(tsCodec));
    this.writers = new Map(tracks.map((t, index) => [t, { index, write: writerFor(t), timescale: t.timescale }]));
  }

  /** PAT + PMT, for the start of each segment. */
  header(): Buffer {
    return this.muxer.header();
  }

  /** The TS packets of one fragment, or undefined for a track this writer was not built with. */
  write(unit: PlacedUnit): Buffer | undefined {
    const writer = this.writers.get(unit.track);
    if (!writer) return undefined;
    const data = writer.write(unit.mdat.subarray(MDAT_HEADER), unit.keyframe);
    const pts = Math.round((unit.decodeTime * 90000) / writer.timescale);
    return this.muxer.write(writer.index, { data, pts, keyframe: unit.keyframe });
  }
}

function tsCodec(track: MuxerTrack): TsCodec {
  if (track.codec === 'H264' || track.codec === 'H265' || track.codec === 'AAC') return track.codec;
  throw new MpegTsError('MPEGTS_CODEC', `MPEG-TS segments cannot carry ${track.codec}`);
}

function writerFor(track: MuxerTrack): Writer {
  switch (track.codec) {
    case 'H264': {
      const config = parseAvcConfig(track.config);
      return (sample, keyframe) => h264AccessUnit(sample, keyframe, config.sps, config.pps);
    }
    case 'H265': {
      const sets = hvccParameterSets(track.config);
      return (sample, keyframe) => h265AccessUnit(sample, keyframe, sets);
    }
    case 'AAC': {
      if (!track.config) throw new MpegTsError('MPEGTS_CODEC', 'AAC track without an AudioSpecificConfig');
      const config: AdtsConfig = adtsConfig(track.config);
      return (sample) => adtsFrame(config, sample);
    }
    default:
      throw new MpegTsError('MPEGTS_CODEC', `MPEG-TS segments cannot carry ${track.codec}`);
  }
}
