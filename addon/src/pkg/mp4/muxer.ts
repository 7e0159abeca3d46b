import { Mp4Error } from './errors.js';
import { buildMdat, buildMoof } from './muxer-fragment.js';
import { buildInitSegment, trackId } from './muxer-init.js';
import { contentType } from './muxer-mime.js';
import { TrackTimeline } from './muxer-timeline.js';
import type { InitOptions, MuxerTrack } from './muxer-types.js';

/** One frame as the muxer takes it: one MP4 sample. */
export interface MuxerFrame {
  /** The sample bytes, possibly in pieces (they are concatenated into the mdat once). */
  readonly data: Uint8Array | readonly Uint8Array[];
  /** Source time in ticks of the track timescale (unwrapped). */
  readonly timestamp: number;
  readonly keyframe: boolean;
  /** Seconds on the monotonic clock the muxer's origin is on; places the first sample and detects jumps. */
  readonly arrival: number;
  /** The sample's own duration in ticks when the codec states it (audio); video leaves it out. */
  readonly duration?: number;
}

/** One frame muxed: a moof + mdat pair, built once and shared by every reader. */
export interface MuxedFragment {
  readonly trackIndex: number;
  readonly sequence: number;
  /** In ticks of the track's timescale. */
  readonly decodeTime: number;
  readonly duration: number;
  /** A video sync sample (audio fragments are false: they are never a place to start decoding video). */
  readonly keyframe: boolean;
  /** The source timestamp jumped and the track's timeline re-anchored here. */
  readonly anchored: boolean;
  readonly moof: Buffer;
  readonly mdat: Buffer;
}

export interface MuxerOptions {
  /** Seconds on the frames' arrival clock that decode time 0 stands for. Defaults to 0. */
  readonly origin?: number;
}

/**
 * A fragmented-MP4 muxer for live streams: an init segment for a fixed set of tracks, then one moof + mdat
 * per frame. Pure: no I/O, no clock of its own (arrival times come with the frames).
 */
export class Mp4Muxer {
  private readonly timelines: TrackTimeline[];
  private sequence = 0;
  private defaultInit: Buffer | undefined;

  constructor(
    readonly tracks: readonly MuxerTrack[],
    options: MuxerOptions = {},
  ) {
    if (tracks.length === 0) throw new Mp4Error('MP4_MUX_INPUT', 'a muxer needs at least one track');
    const origin = options.origin ?? 0;
    this.timelines = tracks.map((t) => new TrackTimeline({ timescale: t.timescale, origin }));
  }

  /** `video/mp4; codecs="…"` for MSE's addSourceBuffer and HTTP Content-Type. */
  get mimeType(): string {
    return contentType(this.tracks);
  }

  /** The init segment; without options it is built once and the same buffer is returned every time. */
  init(options?: InitOptions): Buffer {
    if (options && (options.rotate || options.scaleX || options.scaleY)) return buildInitSegment(this.tracks, options);
    this.defaultInit ??= buildInitSegment(this.tracks);
    return this.defaultInit;
  }

  /** Where a track's timeline ends now, in ticks (0 before its first frame). */
  trackEnd(trackIndex: number): number {
    return this.timeline(trackIndex).end;
  }

  write(trackIndex: number, frame: MuxerFrame): MuxedFragment {
    const track = this.tracks[trackIndex];
    const timeline = this.timeline(trackIndex);
    if (!track) throw new Mp4Error('MP4_MUX_INPUT', `no track ${trackIndex}`);
    const pieces: readonly Uint8Array[] = frame.data instanceof Uint8Array ? [frame.data] : frame.data;
    const mdat = buildMdat(pieces);
    const timing = timeline.next(frame.timestamp, frame.arrival, frame.duration);
    const keyframe = track.kind === 'video' && frame.keyframe;
    this.sequence = this.sequence >= 0xffffffff ? 1 : this.sequence + 1;
    const moof = buildMoof(this.sequence, trackId(trackIndex), timing.decodeTime, [
      { size: mdat.length - 8, duration: timing.duration, keyframe: track.kind === 'audio' || keyframe },
    ]);
    return {
      trackIndex,
      sequence: this.sequence,
      decodeTime: timing.decodeTime,
      duration: timing.duration,
      keyframe,
      anchored: timing.anchored,
      moof,
      mdat,
    };
  }

  private timeline(trackIndex: number): TrackTimeline {
    const timeline = this.timelines[trackIndex];
    if (!timeline) throw new Mp4Error('MP4_MUX_INPUT', `no track ${trackIndex}`);
    return timeline;
  }
}
