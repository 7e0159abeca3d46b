import type { Codec } from './codec.js';
import { Event } from './event.js';
import type { MediaKind } from './media.js';
import type { Packet } from './packet.js';

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
