/** Codecs this demuxer recognises; names follow the media model (core `Codec.name`). */
export type Mp4Codec = 'H264' | 'H265' | 'JPEG' | 'OPUS' | 'AAC' | 'PCMU' | 'PCMA';

export type Mp4TrackKind = 'video' | 'audio';

/** One sample (a video access unit or an audio frame). Times are ticks of the track timescale. */
export interface Mp4Sample {
  /** Byte offset of the sample in the file. */
  readonly offset: number;
  readonly size: number;
  /** Decode time. */
  readonly dts: number;
  /** Presentation time: dts plus the ctts offset (equal to dts without B-frames). */
  readonly pts: number;
  readonly duration: number;
  /** A sync sample (from stss; every sample when the file has no stss). */
  readonly keyframe: boolean;
}

/**
 * One edit list entry (elst). `segmentDuration` is in movie timescale ticks, `mediaTime` in
 * track ticks, -1 for an empty edit (a gap). For Opus and AAC the first edit's `mediaTime`
 * is usually the encoder delay (pre-skip) that a player trims.
 */
export interface Mp4Edit {
  readonly segmentDuration: number;
  readonly mediaTime: number;
  readonly rate: number;
}

export interface Mp4Track {
  /** track_ID from tkhd. */
  readonly id: number;
  readonly kind: Mp4TrackKind;
  readonly codec: Mp4Codec;
  /** The sample entry's four-character code (avc1, hvc1, Opus, mp4a...). */
  readonly format: string;
  readonly timescale: number;
  /** Sum of the sample durations; what a looping player advances by. */
  readonly durationTicks: number;
  readonly width?: number;
  readonly height?: number;
  readonly channels?: number;
  readonly sampleRate?: number;
  /** AVCDecoderConfigurationRecord (body of avcC), a view into the file. */
  readonly avcC?: Buffer;
  /** HEVCDecoderConfigurationRecord (body of hvcC), a view into the file. */
  readonly hvcC?: Buffer;
  /** AAC AudioSpecificConfig from esds' DecoderSpecificInfo, a view into the file. */
  readonly audioSpecificConfig?: Buffer;
  /** Opus pre-skip in 48 kHz samples (dOps). */
  readonly opusPreSkip?: number;
  readonly edits: readonly Mp4Edit[];
  readonly samples: readonly Mp4Sample[];
}

/** A track this demuxer does not return (other handler, unknown or encrypted codec). */
export interface Mp4IgnoredTrack {
  readonly id: number;
  /** hdlr handler_type: vide, soun, text, meta, hint... */
  readonly handler: string;
  /** The sample entry's four-character code, '' when there is none. */
  readonly format: string;
}

export interface Mp4Movie {
  /** mvhd timescale; edit list segment durations use it. */
  readonly timescale: number;
  /** mvhd duration in movie ticks. */
  readonly durationTicks: number;
  readonly tracks: readonly Mp4Track[];
  readonly ignored: readonly Mp4IgnoredTrack[];
}

export interface Mp4ParseOptions {
  /**
   * Samples allowed per track. Defaults to 2^21 (about 23 h of 25 fps video); a file
   * above it fails with MP4_LIMIT rather than taking seconds and hundreds of MB.
   */
  readonly maxSamplesPerTrack?: number;
  /**
   * Defaults to true: every sample must lie inside `file`, else MP4_TRUNCATED.
   * False lets a caller parse only the head of a file (ftyp + moov) to probe it;
   * `sampleData` still checks each range.
   */
  readonly requireSampleData?: boolean;
}
