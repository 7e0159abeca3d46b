import type { Codec } from './codec.js';
import { isVideoCodec } from './codec.js';
import { Event } from './event.js';
import type { Media, MediaKind } from './media.js';
import type { Packet } from './packet.js';

// The two ends of one track, as go2rtc's `pkg/core/track.go`: the producer's Receiver fans each packet out,
// and each consumer's Sender queues it for that consumer's connection.

export interface ReceiverOptions {
  /** Frames since the last key frame kept for late joiners (video only). Defaults to 512; 0 disables. */
  gopMaxPackets?: number;
  /** Bytes kept for late joiners. Defaults to 16 MiB. */
  gopMaxBytes?: number;
  /**
   * A source's track: when the upstream's clock starts over, shift it so consumers see time go on (see the
   * class). Defaults to false: a receiver of derived frames (an MP4 session's fragments of several tracks,
   * each in its own time scale; a transcoder's JPEGs) has timestamps only its own consumers interpret.
   */
  continuousTime?: boolean;
}

export interface ReceiverStats {
  packets: number;
  bytes: number;
}

/**
 * One producer track: the producer writes each packet once, and the receiver hands the same object to every
 * sink. A stream's source owns it and supplies it to every producer session it opens (`Producer.supplyTracks`),
 * so it is the track's one fan-out point across reconnects. Per packet this is O(sinks) pointer work; copies
 * and conversions belong to sinks that need them.
 *
 * Video receivers keep a GOP cache (the frames since the last key frame) so that a new consumer starts
 * decoding at once instead of waiting up to a GOP for the next key frame.
 *
 * A source's track (`continuousTime`) never shows a consumer time going back: when the upstream's clock starts over (a new
 * session after `restart()`, or an RTMP server that switched to a new publisher under the same play), the
 * frames are shifted to follow the last one by the time that passed in between.
 */
export class Receiver {
  readonly id = newNodeId();
  readonly stats: ReceiverStats = { packets: 0, bytes: 0 };
  /** The producer stopped feeding this track for good (stop or failure); sinks have been detached. */
  readonly onClose = new Event<[]>();

  private sinks: PacketSink[] = [];
  private gop: Packet[] = [];
  private gopBytes = 0;
  private readonly gopMaxPackets: number;
  private readonly gopMaxBytes: number;
  private readonly continuousTime: boolean;
  private closed = false;
  private lastPacket: Packet | undefined;
  private readonly derived = new Map<string, unknown>();
  /**
   * The latest timestamp written (shifted; the largest, as B-frames come out of order), the last step forward
   * to it (about a frame's length), and the wall-clock time of the last write.
   */
  private lastTimestamp: number | undefined;
  private lastStep = 0;
  private lastWriteAt = 0;
  /** How the producer catches up on work it deferred while the track had no sink (setCatchUp). */
  private catchUp: (() => void) | undefined;
  /** Added to the upstream's timestamps since its clock last started over. */
  private offset = 0;
  /** restart() was called: the next frame starts a new timeline, whatever its timestamp. */
  private newTimeline = false;

  constructor(
    readonly media: Media,
    readonly codec: Codec,
    options: ReceiverOptions = {},
  ) {
    const cacheable = isVideoCodec(codec.name);
    this.gopMaxPackets = cacheable ? (options.gopMaxPackets ?? 512) : 0;
    this.gopMaxBytes = options.gopMaxBytes ?? 16 * 1024 * 1024;
    this.continuousTime = options.continuousTime ?? false;
  }

  get sinkCount(): number {
    return this.sinks.length;
  }

  get sinkIds(): number[] {
    return this.sinks.map((sink) => sink.id);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The newest packet written, e.g. for snapshots of audio-less or JPEG streams. */
  get latest(): Packet | undefined {
    this.catchUp?.();
    return this.lastPacket;
  }

  /** The cached frames since the last key frame, oldest first (the first one is a key frame). */
  get cachedGop(): readonly Packet[] {
    this.catchUp?.();
    return this.gop;
  }

  /**
   * A producer that defers its work while the track has no sink (an RTSP publisher keeps the raw RTP since
   * the last key picture instead of depacketizing it, pkg/rtp/unwatched-gop.ts) says how to catch up: this
   * is called before a sink is added and before the GOP cache or the newest packet is read, so what they see
   * is current. The last producer to set it wins; `clearCatchUp` with the same function when it ends.
   */
  setCatchUp(catchUp: () => void): void {
    this.catchUp = catchUp;
  }

  clearCatchUp(catchUp: () => void): void {
    if (this.catchUp === catchUp) this.catchUp = undefined;
  }

  /**
   * Frames were left out (a producer that stopped depacketizing while the track had no sink): the cached
   * ones no longer lead to the next, so the cache starts over at the next key frame.
   */
  dropGop(): void {
    this.gop = [];
    this.gopBytes = 0;
  }

  write(written: Packet): void {
    if (this.closed) return;
    if (!this.continuousTime) {
      this.fanOut(written);
      return;
    }
    const now = Date.now();
    let timestamp = written.timestamp + this.offset;
    if (this.lastTimestamp !== undefined && (this.newTimeline || this.clockJumped(timestamp, now))) {
      this.offset = this.continuation(now) - written.timestamp;
      timestamp = written.timestamp + this.offset;
    }
    this.newTimeline = false;
    // Packets are never mutated once written (core/packet.ts): a shifted one is a new object, and only a
    // source whose clock started over has them.
    const packet = this.offset === 0 ? written : { ...written, timestamp };
    if (this.lastTimestamp === undefined) this.lastTimestamp = timestamp;
    else if (timestamp > this.lastTimestamp) {
      this.lastStep = timestamp - this.lastTimestamp;
      this.lastTimestamp = timestamp;
    }
    this.lastWriteAt = now;
    this.fanOut(packet);
  }

  private fanOut(packet: Packet): void {
    this.stats.packets++;
    this.stats.bytes += packet.payload.length;
    this.lastPacket = packet;
    if (this.gopMaxPackets > 0) this.cache(packet);
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) {
      sinks[i]!.push(packet);
    }
  }

  /**
   * Attaches a sink. With `replayGop` (the default) it first receives the cached frames, starting at the last
   * key frame, so a viewer's first picture does not wait for the camera's next key frame.
   */
  addSink(sink: PacketSink, options: { replayGop?: boolean } = {}): void {
    if (this.closed) {
      sink.detach();
      return;
    }
    if (this.sinks.includes(sink)) return;
    this.catchUp?.();
    // A new array rather than push: write() may be iterating the old one right now (a sink attaching
    // another sink from inside push()).
    this.sinks = [...this.sinks, sink];
    if (options.replayGop ?? true) {
      for (const packet of this.gop) sink.push(packet);
    }
  }

  removeSink(sink: PacketSink): void {
    const before = this.sinks.length;
    this.sinks = this.sinks.filter((s) => s !== sink);
    if (this.sinks.length !== before) sink.detach();
  }

  /**
   * What every consumer of one output format makes from this track's frames, made once and shared: RTSP
   * readers' `$`-framed RTP, WebRTC peers' RTP payloads. Created on first use under `key` (the format), and
   * dropped with the track, so a stream owns its packetizers and nothing outlives it in a global table.
   */
  shared<T>(key: string, create: () => T): T {
    let value = this.derived.get(key) as T | undefined;
    if (value === undefined) {
      value = create();
      this.derived.set(key, value);
    }
    return value;
  }

  /**
   * The upstream changed (the source's session ended; the next one writes here too). Its timestamps start
   * over, so the cached frames would be replayed to a late joiner ahead of, and out of order with, the new
   * ones: drops the cache, the newest packet and the counts (`/api/streams` shows a session's bytes, as
   * before). Sinks and `shared()` results stay, as consumers keep their sockets (an RTP packetizer keeps
   * counting its sequence numbers). The next session's frames follow this one's last frame (see the class).
   */
  restart(): void {
    this.newTimeline = true;
    this.gop = [];
    this.gopBytes = 0;
    this.lastPacket = undefined;
    this.stats.packets = 0;
    this.stats.bytes = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const sinks = this.sinks;
    this.sinks = [];
    this.gop = [];
    this.gopBytes = 0;
    this.catchUp = undefined;
    this.derived.clear();
    for (const sink of sinks) sink.detach();
    this.onClose.emit();
  }

  /**
   * A timestamp no reordering or outage explains: more than half a second behind the latest (B-frames reorder
   * by a few frames), or further ahead than the time since the last write plus 5 s of slack (a source's own
   * buffering). A reader that kept its socket would see time go back (ffmpeg then stamps every frame alike
   * until the new clock catches up) or a hole of hours in a recording.
   */
  private clockJumped(timestamp: number, now: number): boolean {
    const rate = this.codec.clockRate;
    const latest = this.lastTimestamp;
    if (!(rate > 0) || latest === undefined) return false;
    if (timestamp < latest - rate / 2) return true;
    return timestamp - latest > ((now - this.lastWriteAt) / 1000 + 5) * rate;
  }

  /** Where a new timeline starts: a frame's step after the latest frame, or as much later as the gap lasted. */
  private continuation(now: number): number {
    const gap = Math.round(((now - this.lastWriteAt) * this.codec.clockRate) / 1000);
    return (this.lastTimestamp ?? 0) + Math.max(this.lastStep, gap, 1);
  }

  private cache(packet: Packet): void {
    if (packet.keyframe) {
      this.gop = [packet];
      this.gopBytes = packet.payload.length;
      return;
    }
    if (this.gop.length === 0) return; // no key frame seen yet, or the GOP overflowed
    if (this.gop.length >= this.gopMaxPackets || this.gopBytes + packet.payload.length > this.gopMaxBytes) {
      // An endless GOP (or a huge one) is not worth holding; late joiners will wait for the next key frame.
      this.gop = [];
      this.gopBytes = 0;
      return;
    }
    this.gop.push(packet);
    this.gopBytes += packet.payload.length;
  }
}

/**
 * Delivers a packet to a consumer's connection. Returns false when the connection is congested (like
 * `stream.write()`); the sender then queues until the consumer calls `Sender.resume()`.
 */
export type PacketWriter = (packet: Packet) => boolean;

/** Something a Receiver fans packets out to: a consumer's Sender, or a shared conversion stage. */
export interface PacketSink {
  readonly id: number;
  push(packet: Packet): void;
  /** Detached from its receiver (receiver closed or sink removed). */
  detach(): void;
}

export interface SenderOptions {
  /** Frames queued while the consumer is congested before the queue is dropped. Defaults to 128. */
  maxQueuePackets?: number;
  /** Bytes queued before the queue is dropped. Defaults to 8 MiB. */
  maxQueueBytes?: number;
  /**
   * Queue from the start and deliver only on the first `resume()`: for consumers that negotiate before they
   * may send (RTSP DESCRIBE, then PLAY), so the replayed GOP waits in the queue instead of being lost.
   * Defaults to false.
   */
  startPaused?: boolean;
}

export interface SenderStats {
  packets: number;
  bytes: number;
  drops: number;
}

let nextNodeId = 1;
/** Unique per process, as go2rtc's node ids, so `/api/streams` can link senders to receivers. */
export function newNodeId(): number {
  return nextNodeId++;
}

/**
 * One consumer track. Writes straight through while the consumer keeps up; otherwise holds a bounded queue
 * of packet references. When the queue overflows it is dropped whole: video waits for the next key frame
 * (anything else would be undecodable), audio simply loses the oldest frames. The receiver never waits.
 */
export class Sender implements PacketSink {
  readonly id = newNodeId();
  readonly stats: SenderStats = { packets: 0, bytes: 0, drops: 0 };
  /** Fires once when the sender is detached from its receiver or closed. */
  readonly onDetach = new Event<[]>();
  /** The writer threw; the sender stops delivering and the owner should close the consumer. */
  readonly onError = new Event<[unknown]>();
  parentId = 0;

  private readonly maxPackets: number;
  private readonly maxBytes: number;
  private queue: Array<Packet | undefined> = [];
  private queueHead = 0;
  private queueBytes = 0;
  private congested = false;
  private waitingForKeyframe: boolean;
  private closed = false;

  constructor(
    readonly kind: MediaKind,
    readonly codec: Codec,
    private readonly writer: PacketWriter,
    options: SenderOptions = {},
  ) {
    this.maxPackets = options.maxQueuePackets ?? 128;
    this.maxBytes = options.maxQueueBytes ?? 8 * 1024 * 1024;
    if (this.maxPackets < 1 || this.maxBytes < 1) throw new RangeError('sender queue limits must be positive');
    this.waitingForKeyframe = kind === 'video';
    this.congested = options.startPaused ?? false;
  }

  get queueLength(): number {
    return this.queue.length - this.queueHead;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(packet: Packet): void {
    if (this.closed) return;
    if (this.waitingForKeyframe) {
      if (!packet.keyframe) {
        this.stats.drops++;
        return;
      }
      this.waitingForKeyframe = false;
    }
    if (!this.congested && this.queueLength === 0) {
      this.deliver(packet);
      return;
    }
    this.enqueue(packet);
  }

  /** The consumer's connection drained: deliver what queued up, until it is congested again. */
  resume(): void {
    if (this.closed) return;
    this.congested = false;
    while (!this.congested && this.queueHead < this.queue.length && !this.closed) {
      const packet = this.queue[this.queueHead];
      this.queue[this.queueHead] = undefined;
      this.queueHead++;
      if (packet === undefined) break;
      this.queueBytes -= packet.payload.length;
      this.deliver(packet);
    }
    if (this.queueHead === this.queue.length) this.resetQueue();
  }

  detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.resetQueue();
    this.onDetach.emit();
  }

  private deliver(packet: Packet): void {
    this.stats.packets++;
    this.stats.bytes += packet.payload.length;
    let writable: boolean;
    try {
      writable = this.writer(packet);
    } catch (err) {
      this.detach();
      this.onError.emit(err);
      return;
    }
    if (!writable) this.congested = true;
  }

  private enqueue(packet: Packet): void {
    // A consumer that never fully drains would otherwise grow the array of consumed slots forever.
    if (this.queueHead > 64 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    this.queue.push(packet);
    this.queueBytes += packet.payload.length;
    if (this.queueLength <= this.maxPackets && this.queueBytes <= this.maxBytes) return;
    if (this.kind === 'video') {
      // Everything queued depends on frames we are about to lose; restart at a key frame. If the packet that
      // overflowed is itself a key frame, it is the restart point.
      this.stats.drops += this.queueLength - (packet.keyframe ? 1 : 0);
      this.resetQueue();
      if (packet.keyframe) {
        this.queue.push(packet);
        this.queueBytes = packet.payload.length;
      } else {
        this.waitingForKeyframe = true;
      }
      return;
    }
    while (this.queueLength > this.maxPackets || this.queueBytes > this.maxBytes) {
      const dropped = this.queue[this.queueHead];
      this.queue[this.queueHead] = undefined;
      this.queueHead++;
      if (dropped === undefined) break;
      this.queueBytes -= dropped.payload.length;
      this.stats.drops++;
    }
  }

  private resetQueue(): void {
    this.queue = [];
    this.queueHead = 0;
    this.queueBytes = 0;
  }
}
