/** One unit a segment is made of: a fragment (moof + mdat) or a frame's TS packets, with its place in time. */
export interface SegmentUnit {
  readonly video: boolean;
  readonly keyframe: boolean;
  /** Seconds on the client's timeline. */
  readonly time: number;
  readonly parts: readonly Buffer[];
}

export interface Segment {
  readonly sequence: number;
  /** Seconds, from its first unit to the next segment's first unit. */
  readonly duration: number;
  /** Starts with a video key frame (or is audio only). */
  readonly independent: boolean;
  readonly data: Buffer;
}

export interface SegmenterOptions {
  /** The stream has video: segments start at its key frames and are timed by its frames. */
  readonly hasVideo: boolean;
  /** A key frame cuts a segment once it is this long. Defaults to 0.5 s. */
  readonly minSeconds?: number;
  /** A segment is cut at this length even without a key frame (long GOPs). Defaults to 1 s. */
  readonly maxSeconds?: number;
  /**
   * The playlist keeps at least this much after dropping its oldest segment: RFC 8216 6.2.2 asks for three
   * target durations. Defaults to 3 s.
   */
  readonly windowSeconds?: number;
  /** Segments kept after they leave the playlist, for players still fetching them. Defaults to 4. */
  readonly retainedSegments?: number;
  /** A segment is cut at this size whatever its length (a broken timeline must not grow one forever). Defaults to 32 MiB. */
  readonly maxSegmentBytes?: number;
  /** Bytes every segment starts with (MPEG-TS: PAT and PMT). */
  readonly prefix?: () => Buffer;
}

interface Open {
  readonly sequence: number;
  readonly start: number;
  readonly independent: boolean;
  readonly parts: Buffer[];
  bytes: number;
}

const EPSILON = 1e-6;

/**
 * Cuts a live sequence of units into HLS segments of `minSeconds`..`maxSeconds`, at video key frames when the
 * GOP allows, and keeps the window the playlist lists. Pure: no clock, no timers; the caller pushes units in
 * decode order and reads what is complete.
 */
export class Segmenter {
  private readonly hasVideo: boolean;
  private readonly minSeconds: number;
  private readonly maxSeconds: number;
  private readonly windowSeconds: number;
  private readonly retainedSegments: number;
  private readonly maxSegmentBytes: number;
  private readonly window: Segment[] = [];
  private readonly retired: Segment[] = [];
  private open: Open | undefined;
  private next = 0;
  private longest = 0;

  constructor(private readonly options: SegmenterOptions) {
    this.hasVideo = options.hasVideo;
    this.minSeconds = options.minSeconds ?? 0.5;
    this.maxSeconds = options.maxSeconds ?? 1;
    this.windowSeconds = options.windowSeconds ?? 3;
    this.retainedSegments = options.retainedSegments ?? 4;
    this.maxSegmentBytes = options.maxSegmentBytes ?? 32 * 1024 * 1024;
  }

  /** The complete segments the playlist lists, oldest first. */
  get segments(): readonly Segment[] {
    return this.window;
  }

  /** The sequence number of the segment being filled (the next to complete). */
  get nextSequence(): number {
    return this.open?.sequence ?? this.next;
  }

  /**
   * EXT-X-TARGETDURATION: the longest segment rounded (RFC 8216 4.3.3.1), never below `maxSeconds` rounded
   * up and never decreasing, so it stays what players read first unless the source stalls.
   */
  get targetDuration(): number {
    return Math.max(1, Math.ceil(this.maxSeconds - EPSILON), Math.round(this.longest));
  }

  /** A complete segment still held (listed or recently retired). */
  get(sequence: number): Segment | undefined {
    return this.window.find((s) => s.sequence === sequence) ?? this.retired.find((s) => s.sequence === sequence);
  }

  /** Adds a unit; returns the segment it completed, if it started a new one. */
  push(unit: SegmentUnit): Segment | undefined {
    const open = this.open;
    if (!open) {
      // A video stream starts at a key frame: what comes before it cannot be decoded.
      if (this.hasVideo && !(unit.video && unit.keyframe)) return undefined;
      this.start(unit);
      return undefined;
    }
    const drives = this.hasVideo ? unit.video : true;
    const span = unit.time - open.start;
    const cutPoint = this.hasVideo ? unit.keyframe : true;
    let done: Segment | undefined;
    if (
      drives &&
      ((cutPoint && span >= this.minSeconds - EPSILON) ||
        span >= this.maxSeconds - EPSILON ||
        open.bytes >= this.maxSegmentBytes)
    ) {
      done = this.close(open, Math.max(0, span));
      this.start(unit);
    } else {
      this.append(open, unit);
    }
    return done;
  }

  private start(unit: SegmentUnit): void {
    const open: Open = {
      sequence: this.next++,
      start: unit.time,
      independent: !this.hasVideo || unit.keyframe,
      parts: [],
      bytes: 0,
    };
    const prefix = this.options.prefix?.();
    if (prefix) {
      open.parts.push(prefix);
      open.bytes += prefix.length;
    }
    this.open = open;
    this.append(open, unit);
  }

  private append(open: Open, unit: SegmentUnit): void {
    for (const part of unit.parts) {
      open.parts.push(part);
      open.bytes += part.length;
    }
  }

  private close(open: Open, duration: number): Segment {
    const segment: Segment = {
      sequence: open.sequence,
      duration,
      independent: open.independent,
      data: Buffer.concat(open.parts, open.bytes),
    };
    this.longest = Math.max(this.longest, duration);
    this.window.push(segment);
    let total = this.window.reduce((sum, s) => sum + s.duration, 0);
    for (
      let oldest = this.window[0];
      oldest && this.window.length > 1 && total - oldest.duration >= this.windowSeconds - EPSILON;
      oldest = this.window[0]
    ) {
      total -= oldest.duration;
      this.window.shift();
      this.retired.push(oldest);
      if (this.retired.length > this.retainedSegments) this.retired.shift();
    }
    return segment;
  }
}
