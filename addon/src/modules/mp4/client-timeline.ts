/** What a client needs to know about a shared fragment to place it on its own timeline. */
export interface PlacedFragment {
  readonly trackIndex: number;
  readonly sequence: number;
  /** Session decode time in ticks of the track's timescale. */
  readonly decodeTime: number;
  readonly duration: number;
  readonly keyframe: boolean;
}

/** Where the client puts it: its decode time and, for compressed replays, a new duration. */
export interface Placement {
  readonly decodeTime: number;
  readonly duration?: number;
}

export interface ClientTimelineStats {
  /** Cached video frames sent compressed at join. */
  replayed: number;
  /** Fragments not sent: cached audio at join, or audio that would overlap after a rebase. */
  skipped: number;
  /** Times the timeline closed a gap left by frames the client's queue dropped. */
  rebases: number;
}

/**
 * One client's view of a session timeline. Every client starts near decode time 0 (go2rtc's player never
 * seeks, and browsers only start on their own when the first buffered range begins near 0) while the
 * fragments, and their session decode times, are shared:
 *
 * - Join: the cached frames since the last key frame (sequence below `liveFrom`) are sent with 1 ms
 *   durations back to back from 0, so the decoder runs through them at once and the first picture is the
 *   newest one; cached audio is left out (it would be in the past).
 * - Live: client time = session time - offset, one offset for all tracks (audio stays in sync), chosen so
 *   live video continues where the compressed replay ended.
 * - Drops: when the client's queue dropped frames (a gap in sequence numbers), the offset moves so the next
 *   fragment (a key frame, by the queue's policy) continues where the client's timeline ended, instead of
 *   leaving a hole the browser would stall at.
 */
export class ClientTimeline {
  readonly stats: ClientTimelineStats = { replayed: 0, skipped: 0, rebases: 0 };
  private offset: number | undefined;
  private lastSequence: number | undefined;
  private replayTicks = 0;
  private replaySessionEnd = 0;
  /** Timescale of the replayed (video) track; 0 when nothing was replayed. */
  private replayScale = 0;
  private readonly last: number[];
  private readonly end: number[];

  constructor(
    private readonly timescales: readonly number[],
    private readonly liveFrom: number,
  ) {
    this.last = timescales.map(() => -1);
    this.end = timescales.map(() => 0);
  }

  /** The placement of `f`, or undefined to skip it. */
  place(f: PlacedFragment, isVideo: boolean): Placement | undefined {
    const timescale = this.timescales[f.trackIndex];
    if (timescale === undefined) return undefined;
    const gap = this.lastSequence !== undefined && f.sequence !== this.lastSequence + 1;
    this.lastSequence = f.sequence;
    const sessionSeconds = f.decodeTime / timescale;

    if (f.sequence < this.liveFrom && this.offset === undefined && !gap) {
      if (!isVideo) return this.skip();
      // Safari's MSE rejects zero durations; go2rtc uses clock/1000 + 1 as its minimum too.
      const step = Math.floor(timescale / 1000) + 1;
      const decodeTime = this.replayTicks;
      this.replayTicks += step;
      this.replaySessionEnd = sessionSeconds + f.duration / timescale;
      this.replayScale = timescale;
      this.stats.replayed++;
      this.record(f.trackIndex, decodeTime, step);
      return { decodeTime, duration: step };
    }

    if (this.offset === undefined) {
      if (this.replayScale === 0) {
        this.offset = sessionSeconds;
      } else {
        // Continue where the compressed replay ends: from the session time the replay reached, or, if
        // frames were dropped meanwhile, from this fragment (a key frame).
        const replayEnd = this.replayTicks / this.replayScale;
        this.offset = (gap ? sessionSeconds : this.replaySessionEnd) - replayEnd;
      }
    } else if (gap) {
      this.offset = sessionSeconds - (this.end[f.trackIndex] ?? 0) / timescale;
      this.stats.rebases++;
    }

    let decodeTime = Math.round((sessionSeconds - this.offset) * timescale);
    const previous = this.last[f.trackIndex] ?? -1;
    if (decodeTime <= previous || decodeTime < 0) {
      // Video must not lose a frame (the next ones depend on it): nudge it after the previous one.
      // Audio would overlap what was sent; drop the frame.
      if (!isVideo) return this.skip();
      decodeTime = Math.max(previous + 1, 0);
    }
    this.record(f.trackIndex, decodeTime, f.duration);
    return { decodeTime };
  }

  private skip(): undefined {
    this.stats.skipped++;
    return undefined;
  }

  private record(track: number, decodeTime: number, duration: number): void {
    this.last[track] = decodeTime;
    this.end[track] = decodeTime + duration;
  }
}
