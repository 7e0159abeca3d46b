import type { Logger } from 'pino';
import type { Codec } from '../../core/codec.js';
import { errorMessage } from '../../core/errors.js';
import { Event } from '../../core/event.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import { newNodeId, type PacketSink, Receiver } from '../../core/track.js';
import { Mp4Muxer, type InitOptions, type MuxedFragment, type MuxerTrack } from '../../pkg/mp4/index.js';
import { createConverter, type TrackConverter } from './tracks.js';

/** A muxed frame as it travels to clients through the session's output receiver (and its GOP cache). */
export class FragmentPacket implements Packet {
  readonly payload: Buffer;
  readonly timestamp: number;
  readonly keyframe: boolean;

  constructor(readonly fragment: MuxedFragment) {
    // The payload is what a client's queue counts: the shared mdat.
    this.payload = fragment.mdat;
    this.timestamp = fragment.decodeTime;
    this.keyframe = fragment.keyframe;
  }
}

/** One source track a session muxes: the stream's track receiver and the codec it carries. */
export interface SessionTrack {
  readonly media: Media;
  readonly codec: Codec;
  readonly receiver: Receiver;
}

export interface SessionOptions {
  /** Seconds on a monotonic clock. Defaults to performance.now() / 1000; tests pass their own. */
  readonly now?: () => number;
  /** Fragments kept for late joiners (all tracks, since the last video key frame). Defaults to 4096. */
  readonly gopMaxFragments?: number;
  /** Defaults to 32 MiB. */
  readonly gopMaxBytes?: number;
  /**
   * How long, after the first key frame (audio-only: the first frame), to wait for every other track's first
   * frame before starting without the silent ones. Defaults to 1000 ms.
   */
  readonly trackWaitMs?: number;
}

/** A source track and the muxer track it became (its position in `muxed` is its MP4 track index). */
export interface MuxedTrack {
  readonly source: SessionTrack;
  readonly track: MuxerTrack;
}

/** Frames held while the session waits for its tracks; more means something is wrong with the source. */
const MAX_PENDING = 2048;

export interface SessionStats {
  fragments: number;
  bytes: number;
  /** Frames that could not be converted or muxed (malformed payloads). */
  errors: number;
}

class TrackSink implements PacketSink {
  readonly id = newNodeId();
  constructor(
    private readonly session: FragmentSession,
    private readonly index: number,
  ) {}
  push(packet: Packet): void {
    this.session.handle(this.index, packet);
  }
  detach(): void {
    this.session.sourceGone();
  }
}

/**
 * The shared fMP4 pipeline of one set of source tracks: converts and muxes every frame once, and hands the
 * resulting fragments to every client through one output receiver. Clients attach senders to `output`
 * (queueing, drop-to-key-frame policy and the GOP cache of fragments come from the core), and re-time the
 * fragments for their own timeline by patching a copy of the ~100-byte moof; the mdat bytes are shared.
 *
 * Timeline: decode time 0 is the oldest frame the source's GOP cache replays when the session starts, and
 * every frame afterwards is placed by its source timestamp (see TrackTimeline), so the session's tracks are
 * in sync with each other and with real time.
 */
export class FragmentSession {
  readonly output: Receiver;
  readonly hasVideo: boolean;
  readonly stats: SessionStats = { fragments: 0, bytes: 0, errors: 0 };
  /** The init segment became available (video: at the first key frame). */
  readonly onReady = new Event<[]>();
  readonly onClose = new Event<[]>();

  private readonly converters: TrackConverter[];
  private readonly sinks: TrackSink[];
  private readonly now: () => number;
  private muxer: Mp4Muxer | undefined;
  /** Source track index -> muxer track index, -1 for a track left out; set with the muxer. */
  private muxerIndex: number[] = [];
  private muxedTracks: MuxedTrack[] = [];
  private origin = 0;
  private lastSequence = 0;
  private readonly trackWaitMs: number;
  /** Before the muxer exists: which tracks sent a frame, the frames so far, the first video key frame. */
  private readonly seen: boolean[];
  private pending: Array<{ index: number; packet: Packet; arrival: number }> = [];
  private firstKeyframe: Packet | undefined;
  private waitTimer: NodeJS.Timeout | undefined;
  /** While the source receivers replay their GOP caches: frame times come from timestamps, not arrival. */
  private replay: Array<{ at: number; latest: number; clock: number } | undefined> | undefined;
  private clients = 0;
  private closed = false;
  private lastError = '';

  constructor(
    readonly key: string,
    readonly tracks: readonly SessionTrack[],
    private readonly log: Logger,
    options: SessionOptions = {},
  ) {
    this.converters = tracks.map((t) => createConverter(t.codec));
    this.sinks = tracks.map((_, i) => new TrackSink(this, i));
    this.now = options.now ?? (() => performance.now() / 1000);
    this.trackWaitMs = options.trackWaitMs ?? 1000;
    this.seen = tracks.map(() => false);
    const video = tracks.find((t) => t.media.kind === 'video');
    this.hasVideo = video !== undefined;
    const outCodec = (video ?? tracks[0])?.codec ?? { name: 'H264', clockRate: 90000, channels: 0 };
    this.output = new Receiver(
      { kind: this.hasVideo ? 'video' : 'audio', direction: 'recvonly', codecs: [outCodec] },
      outCodec,
      {
        gopMaxPackets: options.gopMaxFragments ?? 4096,
        gopMaxBytes: options.gopMaxBytes ?? 32 * 1024 * 1024,
      },
    );
  }

  get isReady(): boolean {
    return this.muxer !== undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get clientCount(): number {
    return this.clients;
  }

  /** `video/mp4; codecs="…"`, once ready. */
  get mimeType(): string | undefined {
    return this.muxer?.mimeType;
  }

  get muxerTracks(): readonly MuxerTrack[] {
    return this.muxer?.tracks ?? [];
  }

  /** The tracks in the init segment, in MP4 track order, with the source track each comes from. */
  get muxed(): readonly MuxedTrack[] {
    return this.muxedTracks;
  }

  /** The sequence number the next fragment will carry: fragments below it were muxed before now. */
  get nextSequence(): number {
    return this.lastSequence + 1;
  }

  init(options?: InitOptions): Buffer | undefined {
    return this.muxer?.init(options);
  }

  /**
   * Attaches to the source tracks. Their GOP caches replay synchronously: the replayed frames are timed by
   * their timestamps relative to the newest one (which arrived about now), and decode time 0 is set to the
   * oldest of them, so a client can start at that key frame with audio in sync.
   */
  start(): void {
    if (this.closed) return;
    const now = this.now();
    let oldest = 0;
    this.replay = this.tracks.map((t) => {
      const latest = t.receiver.latest;
      const clock = t.codec.clockRate || 90000;
      if (!latest) return undefined;
      const first = t.receiver.cachedGop[0];
      if (first) oldest = Math.max(oldest, (latest.timestamp - first.timestamp) / clock);
      return { at: now, latest: latest.timestamp, clock };
    });
    this.origin = now - Math.max(0, Math.min(oldest, 60));
    try {
      this.tracks.forEach((t, i) => {
        const sink = this.sinks[i];
        if (sink) t.receiver.addSink(sink);
      });
    } finally {
      this.replay = undefined;
    }
  }

  retain(): void {
    this.clients++;
  }

  /** A client left; the last one closes the session. */
  release(): void {
    this.clients = Math.max(0, this.clients - 1);
    if (this.clients === 0) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.pending = [];
    this.tracks.forEach((t, i) => {
      const sink = this.sinks[i];
      if (sink) t.receiver.removeSink(sink);
    });
    this.output.close();
    this.onClose.emit();
  }

  /** A source receiver closed for good (stream deleted, source removed): nothing more will come. */
  sourceGone(): void {
    if (!this.closed) this.close();
  }

  handle(index: number, packet: Packet): void {
    if (this.closed) return;
    const arrival = this.arrival(index, packet);
    if (this.muxer) {
      this.mux(index, packet, arrival);
      return;
    }
    // Before the init segment: hold frames from the first video key frame on (audio-only: from the first
    // frame) until every track has sent something, so a track that never sends is left out of the init
    // segment rather than stalling every browser (MSE plays nothing while one track has no data).
    const converter = this.converters[index];
    if (!converter) return;
    if (converter.kind === 'video' && !this.firstKeyframe) {
      if (!packet.keyframe) return;
      this.firstKeyframe = packet;
    } else if (this.hasVideo && !this.firstKeyframe) {
      return;
    }
    this.seen[index] = true;
    this.pending.push({ index, packet, arrival });
    this.waitTimer ??= setTimeout(() => {
      this.waitTimer = undefined;
      this.begin();
    }, this.trackWaitMs);
    if (this.seen.every(Boolean) || this.pending.length >= MAX_PENDING) this.begin();
  }

  /** Creates the muxer for the tracks that sent frames, then muxes what was held. */
  private begin(): void {
    if (this.muxer || this.closed) return;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
    const muxed: MuxedTrack[] = [];
    this.muxerIndex = this.tracks.map(() => -1);
    try {
      this.converters.forEach((converter, i) => {
        const source = this.tracks[i];
        if (!source || !this.seen[i]) return;
        const track = converter.describe(converter.kind === 'video' ? this.firstKeyframe : undefined);
        if (!track) return;
        this.muxerIndex[i] = muxed.length;
        muxed.push({ source, track });
      });
      if (muxed.length === 0 || (this.hasVideo && !muxed.some((m) => m.track.kind === 'video'))) return;
      this.muxer = new Mp4Muxer(
        muxed.map((m) => m.track),
        { origin: this.origin },
      );
    } catch (err) {
      // No usable parameter sets in this key frame: start over at the next one.
      this.failed(err);
      this.firstKeyframe = undefined;
      this.seen.fill(false);
      this.pending = [];
      return;
    }
    this.muxedTracks = muxed;
    const left = this.tracks.filter((_, i) => this.muxerIndex[i] === -1).map((t) => t.codec.name);
    this.log.debug({ session: this.key, mime: this.muxer.mimeType, left }, 'mp4: session ready');
    const pending = this.pending;
    this.pending = [];
    for (const item of pending) this.mux(item.index, item.packet, item.arrival);
    this.onReady.emit();
  }

  private mux(index: number, packet: Packet, arrival: number): void {
    const muxer = this.muxer;
    const converter = this.converters[index];
    const trackIndex = this.muxerIndex[index] ?? -1;
    if (!muxer || !converter || trackIndex < 0) return;
    try {
      for (const sample of converter.convert(packet)) {
        const fragment = muxer.write(trackIndex, {
          data: sample.data,
          timestamp: sample.timestamp,
          keyframe: packet.keyframe,
          arrival,
          ...(sample.duration !== undefined ? { duration: sample.duration } : {}),
        });
        this.lastSequence = fragment.sequence;
        this.stats.fragments++;
        this.stats.bytes += fragment.moof.length + fragment.mdat.length;
        this.output.write(new FragmentPacket(fragment));
      }
    } catch (err) {
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    this.stats.errors++;
    const message = errorMessage(err);
    // One line per kind of failure, not per frame.
    if (message !== this.lastError) this.log.warn({ session: this.key, err: message }, 'mp4: frame dropped');
    this.lastError = message;
  }

  private arrival(index: number, packet: Packet): number {
    const replay = this.replay?.[index];
    if (replay) return replay.at - (replay.latest - packet.timestamp) / replay.clock;
    return this.now();
  }
}
