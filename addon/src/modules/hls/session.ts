import type { Logger } from 'pino';
import type { ConnectionDescription } from '../../core/connection.js';
import { errorMessage } from '../../core/errors.js';
import { Event, type Disposer } from '../../core/event.js';
import type { Media } from '../../core/media.js';
import {
  FragmentConsumer,
  type FragmentConsumerOptions,
  type FragmentTransport,
  type PlacedUnit,
  type SessionRegistry,
} from '../mp4/index.js';
import { HlsError } from './errors.js';
import { masterPlaylist, mediaPlaylist, mimeCodecs, type HlsFormat } from './playlist.js';
import { Segmenter, type Segment, type SegmenterOptions } from './segmenter.js';
import { TsSegmentWriter } from './ts-writer.js';

/** An HLS client of a shared fMP4 session (go2rtc's format names `hls/fmp4` and `hls/mpegts`). */
export class HlsConsumer extends FragmentConsumer {
  constructor(
    description: ConnectionDescription,
    medias: readonly Media[],
    registry: SessionRegistry,
    transport: FragmentTransport,
    options?: FragmentConsumerOptions,
  ) {
    // Segments are timed by their frames: cached ones keep their real spacing.
    super(description, medias, registry, transport, { ...options, timedReplay: true });
  }
}

export type SegmentTiming = Pick<
  SegmenterOptions,
  'minSeconds' | 'maxSeconds' | 'windowSeconds' | 'retainedSegments' | 'maxSegmentBytes'
>;

/**
 * One HLS viewer: its consumer on the stream, and the segments cut from what the consumer receives. The
 * session is the consumer's transport: fMP4 fragments go into segments as they are (the init segment is kept
 * for `init.mp4`), or are re-muxed into MPEG-TS first. It never reports congestion: the window bounds memory.
 */
export class HlsSession implements FragmentTransport {
  readonly onSegment = new Event<[Segment]>();
  readonly onClose = new Event<[]>();
  private segmenter: Segmenter | undefined;
  private tsWriter: TsSegmentWriter | undefined;
  private initSegment: Buffer | undefined;
  private codecs: string[] = [];
  private closed = false;
  private failures = 0;
  /** A playlist was answered: later ones do not wait. */
  private served = false;
  readonly consumer: HlsConsumer;

  constructor(
    readonly id: string,
    readonly format: HlsFormat,
    createConsumer: (transport: FragmentTransport) => HlsConsumer,
    private readonly timing: SegmentTiming,
    private readonly log: Logger,
  ) {
    this.consumer = createConsumer(this);
    this.consumer.onClose.once(() => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Called once the consumer joined its session (`prepare()` gave `mime`): sets up cutting, then starts it. */
  begin(mime: string): void {
    this.codecs = mimeCodecs(mime);
    const tracks = this.consumer.muxerTracks;
    const hasVideo = tracks.some((t) => t.kind === 'video');
    if (this.format === 'mpegts') {
      const writer = new TsSegmentWriter(tracks);
      this.tsWriter = writer;
      this.segmenter = new Segmenter({ ...this.timing, hasVideo, prefix: () => writer.header() });
    } else {
      this.segmenter = new Segmenter({ ...this.timing, hasVideo });
    }
    this.consumer.begin();
  }

  /** `stream.m3u8` / the `hls` WebSocket answer. */
  master(): string {
    return masterPlaylist(this.codecs, this.id);
  }

  /**
   * The media playlist. A new session's first answer waits (up to `timeoutMs`) until it lists three target
   * durations (RFC 8216 6.2.2): players start that far from the live edge, and Chromium's native player
   * refuses a shorter live playlist (measured: one or two 1 s segments fail to parse, three play). After the
   * timeout what is there is served, if anything.
   */
  async playlist(timeoutMs: number): Promise<string> {
    const segmenter = this.segmenter;
    if (!segmenter) throw new HlsError('HLS_NOT_READY', 'hls: session not started');
    const long = (): boolean =>
      segmenter.segments.reduce((sum, s) => sum + s.duration, 0) >= 3 * segmenter.targetDuration - 1e-6;
    if (!this.served && !long()) {
      try {
        await this.waitFor(long, timeoutMs, 'HLS_NOT_READY', 'hls: no segment yet');
      } catch (err) {
        if (segmenter.segments.length === 0) throw err;
      }
    }
    this.served = true;
    return mediaPlaylist({
      format: this.format,
      sessionId: this.id,
      targetDuration: segmenter.targetDuration,
      segments: segmenter.segments,
      nextSequence: segmenter.nextSequence,
    });
  }

  init(): Buffer {
    if (this.format !== 'fmp4' || !this.initSegment)
      throw new HlsError('HLS_SEGMENT_NOT_FOUND', 'hls: no init segment');
    return this.initSegment;
  }

  /**
   * Segment `n`. The one being filled is waited for (a player that computes the next URI itself asks early);
   * anything else not held is not found.
   */
  async segment(sequence: number, timeoutMs: number): Promise<Buffer> {
    const segmenter = this.segmenter;
    if (!segmenter || !Number.isSafeInteger(sequence) || sequence < 0)
      throw new HlsError('HLS_SEGMENT_NOT_FOUND', `hls: no segment ${sequence}`);
    const held = segmenter.get(sequence);
    if (held) return held.data;
    if (sequence !== segmenter.nextSequence) throw new HlsError('HLS_SEGMENT_NOT_FOUND', `hls: no segment ${sequence}`);
    await this.waitFor(
      () => segmenter.get(sequence) !== undefined,
      timeoutMs,
      'HLS_SEGMENT_NOT_FOUND',
      `hls: segment ${sequence} not ready`,
    );
    const done = segmenter.get(sequence);
    if (!done) throw new HlsError('HLS_SEGMENT_NOT_FOUND', `hls: no segment ${sequence}`);
    return done.data;
  }

  // FragmentTransport: what the consumer writes.

  write(parts: readonly Buffer[], unit?: PlacedUnit): boolean {
    if (this.closed) return false;
    if (!unit) {
      // The init segment (written once, before any fragment).
      this.initSegment = parts[0];
      return true;
    }
    const segmenter = this.segmenter;
    if (!segmenter) return true;
    let data: readonly Buffer[] = parts;
    if (this.tsWriter) {
      try {
        const packets = this.tsWriter.write(unit);
        if (!packets) return true;
        data = [packets];
      } catch (err) {
        // A malformed frame is dropped, not the session; one line per session is enough.
        if (this.failures++ === 0) this.log.warn({ session: this.id, err: errorMessage(err) }, 'hls: frame dropped');
        return true;
      }
    }
    const done = segmenter.push({
      video: unit.track.kind === 'video',
      keyframe: unit.keyframe,
      time: unit.decodeTime / unit.track.timescale,
      parts: data,
    });
    if (done) this.onSegment.emit(done);
    return true;
  }

  onDrain(): Disposer {
    return () => {};
  }

  /** Ends the session: the consumer leaves the stream (its shared muxing session stops with the last client). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.consumer.stop();
    this.onClose.emit();
  }

  private waitFor(
    done: () => boolean,
    timeoutMs: number,
    code: 'HLS_NOT_READY' | 'HLS_SEGMENT_NOT_FOUND',
    message: string,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const disposers: Disposer[] = [];
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        for (const dispose of disposers) dispose();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => finish(new HlsError(code, message)), timeoutMs);
      disposers.push(this.onSegment.subscribe(() => done() && finish()));
      disposers.push(this.onClose.once(() => finish(new HlsError(code, `${message}: session ended`))));
    });
  }
}
