/**
 * Turns one track's source timestamps into fMP4 decode times and durations.
 *
 * - The first sample is placed by its arrival time against the muxer's origin, so tracks whose timestamps
 *   have unrelated starting points (RTP) line up by when they arrived, and stay in step afterwards by their
 *   own timestamps.
 * - Decode times follow the source timestamps exactly while they advance plausibly, and never go backwards.
 * - A timestamp that jumps (backwards, or forwards by more than the time that really passed plus
 *   `maxJumpSeconds`) is a source restart: the track re-anchors on the arrival time, so the timeline stays
 *   continuous and in step with the other tracks, which re-anchor the same way.
 * - A sample's duration is the codec's own (audio frames) when given, else the last interval (video).
 */
export interface TimelineOptions {
  readonly timescale: number;
  /** Seconds (monotonic clock) that decode time 0 stands for. */
  readonly origin: number;
  /** Duration of a video sample before any interval is known. Defaults to 1/25 s. */
  readonly defaultDuration?: number;
  /** Tolerated excess of source time over real time between two samples. Defaults to 2 s. */
  readonly maxJumpSeconds?: number;
}

export interface TimelineSample {
  readonly decodeTime: number;
  readonly duration: number;
  /** The timeline re-anchored at this sample (first sample, or a source time jump). */
  readonly anchored: boolean;
}

export class TrackTimeline {
  private readonly timescale: number;
  private readonly origin: number;
  private readonly maxJump: number;
  private lastTimestamp = 0;
  private lastArrival = 0;
  private lastDecodeTime = -1;
  private lastDuration: number;

  constructor(options: TimelineOptions) {
    this.timescale = options.timescale;
    this.origin = options.origin;
    this.lastDuration = Math.max(1, Math.round(options.defaultDuration ?? options.timescale / 25));
    this.maxJump = options.maxJumpSeconds ?? 2;
  }

  /** The decode time just past the last sample: where the next one would start without a gap. */
  get end(): number {
    return this.lastDecodeTime < 0 ? 0 : this.lastDecodeTime + this.lastDuration;
  }

  /**
   * @param timestamp source time in ticks of the timescale (unwrapped)
   * @param arrival seconds on the origin's monotonic clock
   * @param duration the sample's own duration in ticks, when the codec states it
   */
  next(timestamp: number, arrival: number, duration?: number): TimelineSample {
    let decodeTime: number;
    let anchored = false;
    if (this.lastDecodeTime < 0) {
      decodeTime = Math.max(0, Math.round((arrival - this.origin) * this.timescale));
      anchored = true;
    } else {
      const delta = timestamp - this.lastTimestamp;
      const realTicks = Math.max(0, arrival - this.lastArrival) * this.timescale;
      if (delta < 0 || delta > realTicks + this.maxJump * this.timescale) {
        // Restart: continue after the last sample, or later if more real time passed.
        decodeTime = Math.max(this.end, this.lastDecodeTime + Math.round(realTicks));
        anchored = true;
      } else {
        decodeTime = this.lastDecodeTime + delta;
        if (delta > 0 && duration === undefined) this.lastDuration = delta;
      }
      // Two samples with one timestamp: MSE needs strictly increasing decode times.
      if (decodeTime <= this.lastDecodeTime) decodeTime = this.lastDecodeTime + 1;
    }
    if (duration !== undefined && duration >= 1) this.lastDuration = Math.round(duration);
    this.lastTimestamp = timestamp;
    this.lastArrival = arrival;
    this.lastDecodeTime = decodeTime;
    return { decodeTime, duration: this.lastDuration, anchored };
  }
}
