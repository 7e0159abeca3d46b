import type { Codec } from './codec.js';
import { codecMatches } from './codec.js';
import type { ConnectionDescription, ConnectionJson } from './connection.js';
import { connectionJson } from './connection.js';
import { Event } from './event.js';
import type { Media } from './media.js';
import { newNodeId, type PacketWriter, Receiver, type ReceiverOptions, Sender } from './track.js';

/**
 * Gives a producer the receiver to write a track into, made and kept by its owner (a stream's source slot):
 * that receiver is the track's one fan-out point, with the one GOP cache, and outlives the producer, so a
 * reconnect only changes who writes into it. Undefined: the producer makes a receiver of its own.
 */
export type TrackSupplier = (media: Media, codec: Codec) => Receiver | undefined;

/**
 * A source connection (camera, file, process). Opened far enough to know its medias (RTSP: DESCRIBE), then
 * `getTrack` is called for every media/codec some consumer needs, then `start()` (RTSP: SETUP + PLAY).
 */
export interface Producer {
  readonly id: number;
  getMedias(): readonly Media[];
  /** A `recvonly` media's track. Calling it twice for the same codec returns the same receiver. */
  getTrack(media: Media, codec: Codec): Receiver;
  /**
   * From now on `getTrack` asks `supplier` for each new track's receiver before making one. The owner calls
   * it right after open, before any `getTrack`. A supplied receiver is never closed by the producer.
   */
  supplyTracks(supplier: TrackSupplier): void;
  /**
   * A `sendonly` media (backchannel): the producer sends what `source` carries into the device. Optional:
   * only producers with backchannel medias implement it.
   */
  addTrack?(media: Media, codec: Codec, source: Receiver): void;
  /** Resolves once media flows (or is about to); a later failure is reported through `onClose`. */
  start(): Promise<void>;
  /**
   * Idempotent. Closes the receivers it made (not supplied ones: their owner decides); resolves when
   * sockets/processes are released, after which nothing is written into any receiver.
   */
  stop(): Promise<void>;
  /** Fires once: `undefined` after `stop()`, an error when the source failed or ended on its own. */
  readonly onClose: Event<[Error | undefined]>;
  toJSON(): ConnectionJson;
}

interface ProducerTrack {
  readonly media: Media;
  readonly receiver: Receiver;
  /** Made by this producer (closed with it), rather than supplied by the owner. */
  readonly own: boolean;
}

interface ProducerBackTrack {
  readonly media: Media;
  readonly codec: Codec;
  readonly sender: Sender;
  readonly source: Receiver;
}

/**
 * The bookkeeping every producer shares: receivers per media/codec, backchannel senders, close-once and the
 * JSON for `/api/streams`. A protocol adapter extends it and only writes its I/O.
 */
export abstract class ProducerBase implements Producer {
  readonly id = newNodeId();
  readonly onClose = new Event<[Error | undefined]>();
  protected readonly tracks: ProducerTrack[] = [];
  protected readonly backTracks: ProducerBackTrack[] = [];
  protected bytesRecv = 0;
  protected bytesSend = 0;
  private closed = false;
  private supplier: TrackSupplier | undefined;

  protected constructor(
    protected readonly description: ConnectionDescription,
    protected medias: readonly Media[],
    private readonly receiverOptions: ReceiverOptions = {},
  ) {}

  getMedias(): readonly Media[] {
    return this.medias;
  }

  /** Producers with a backchannel media implement it, usually through `attachBackTrack`. */
  addTrack?(media: Media, codec: Codec, source: Receiver): void;

  /**
   * The supplier is consulted here, not passed to `getTrack`, so the adapters' `getTrack` overrides (which
   * wire their input to the receiver) need not know whose receiver it is.
   */
  supplyTracks(supplier: TrackSupplier): void {
    this.supplier = supplier;
  }

  getTrack(media: Media, codec: Codec): Receiver {
    const existing = this.tracks.find((t) => t.media === media && codecMatches(t.receiver.codec, codec));
    if (existing) return existing.receiver;
    const supplied = this.supplier?.(media, codec);
    const receiver = supplied ?? new Receiver(media, codec, { continuousTime: true, ...this.receiverOptions });
    this.tracks.push({ media, receiver, own: supplied === undefined });
    return receiver;
  }

  /** Backchannel: a sender attached to the consumer's receiver, writing through the adapter's writer. */
  protected attachBackTrack(media: Media, codec: Codec, source: Receiver, writer: PacketWriter): Sender {
    const sender = new Sender(media.kind, codec, writer);
    sender.parentId = source.id;
    source.addSink(sender, { replayGop: false });
    this.backTracks.push({ media, codec, sender, source });
    return sender;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  abstract start(): Promise<void>;

  async stop(): Promise<void> {
    await this.close(undefined);
  }

  /** Adapters call this when their I/O ends; `release` frees sockets/processes exactly once. */
  protected async close(error: Error | undefined): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.release();
    } finally {
      for (const track of this.tracks) if (track.own) track.receiver.close();
      for (const back of this.backTracks) back.source.removeSink(back.sender);
      this.onClose.emit(error);
    }
  }

  /** Free the adapter's sockets, timers and processes. Called once. */
  protected abstract release(): Promise<void>;

  /** For `bytes_recv`: what the adapter counted, unless it reads another count. */
  protected receivedBytes(): number {
    return this.bytesRecv;
  }

  toJSON(): ConnectionJson {
    return connectionJson(this.id, this.description, {
      medias: this.medias,
      receivers: this.tracks.map((t) => t.receiver),
      senders: this.backTracks.map((b) => b.sender),
      bytesRecv: this.receivedBytes(),
      bytesSend: this.bytesSend,
    });
  }
}
