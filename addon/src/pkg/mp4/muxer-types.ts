/**
 * What the fragmented-MP4 muxer writes. Codec names follow the media model; G.711 and PCM are not here
 * because browsers cannot play them in MP4: the caller converts them to FLAC first (pkg/flac).
 */
export type MuxerVideoCodec = 'H264' | 'H265';
export type MuxerAudioCodec = 'AAC' | 'OPUS' | 'FLAC';

export interface MuxerVideoTrack {
  readonly kind: 'video';
  readonly codec: MuxerVideoCodec;
  /** Ticks per second of decode times and durations; 90000 for RTP video. */
  readonly timescale: number;
  readonly width: number;
  readonly height: number;
  /** The decoder configuration record: avcC body for H264, hvcC body for H265. */
  readonly config: Buffer;
  /** RFC 6381 codecs value (`avc1.640029`, `hvc1.1.6.L153.B0`) for the MIME type. */
  readonly mimeCodec: string;
}

export interface MuxerAudioTrack {
  readonly kind: 'audio';
  readonly codec: MuxerAudioCodec;
  /** Ticks per second; the sample rate, so one tick is one sample (48000 for Opus). */
  readonly timescale: number;
  readonly sampleRate: number;
  readonly channels: number;
  /**
   * AAC: the AudioSpecificConfig. FLAC: the STREAMINFO metadata block body (34 bytes). Opus: unused (the
   * dOps box is built from `channels` and `opusPreSkip`).
   */
  readonly config?: Buffer;
  /** Opus pre-skip in 48 kHz samples. Defaults to 0: live sources carry no encoder delay to trim. */
  readonly opusPreSkip?: number;
}

export type MuxerTrack = MuxerVideoTrack | MuxerAudioTrack;

/** go2rtc's stream.mp4 `rotate` and `scale` parameters: metadata only, no transcoding. */
export interface InitOptions {
  /** Clockwise degrees written into the video track's matrix: 0, 90, 180 or 270. Defaults to 0. */
  readonly rotate?: number;
  /** Pixel aspect ratio (pasp hSpacing:vSpacing). Defaults to 1:1. */
  readonly scaleX?: number;
  readonly scaleY?: number;
}

/** One sample of a fragment. Sizes are of the bytes the caller puts in the mdat, in order. */
export interface FragmentSample {
  readonly size: number;
  /** Ticks of the track timescale; at least 1 (Safari's MSE rejects zero durations). */
  readonly duration: number;
  /** Video: a sync sample (IDR/IRAP). Audio samples are always sync samples. */
  readonly keyframe: boolean;
}
