import type { Codec } from './codec.js';
import type { ConnectionDescription, ConnectionJson } from './connection.js';
import { connectionJson } from './connection.js';
import { Event } from './event.js';
import type { Media } from './media.js';
import { newNodeId, type PacketWriter, Receiver, Sender, type SenderOptions } from './track.js';

/**
 * A client connection (RTSP reader, WebRTC peer, MSE socket). Its medias say what it wants to receive
 * (`sendonly`) and what it can send (`recvonly`, e.g. a microphone), each with codecs in preference order.
 */
export interface Consumer {
  readonly id: number;
  getMedias(): readonly Media[];
  /** A `sendonly` media was matched: start sending what `receiver` carries, in `codec`. */
  addTrack(media: Media, codec: Codec, receiver: Receiver): void;
  /** A `recvonly` media was matched to a source's backchannel: the receiver this consumer writes into. */
  getTrack?(media: Media, codec: Codec): Receiver;
  /** Idempotent: detaches every track and closes the connection. */
  stop(): Promise<void>;
  /** Fires once when the connection ends, from either side. */
  readonly onClose: Event<[]>;
  toJSON(): ConnectionJson;
}

/** Shared bookkeeping of consumers: senders attached to receivers, the microphone receivers, close-once. */
export abstract class ConsumerBase implements Consumer {
  readonly id = newNodeId();
  readonly onClose = new Event<[]>();
  protected readonly senders: Array<{ sender: Sender; receiver: Receiver }> = [];
  protected readonly receivers: Receiver[] = [];
  protected bytesRecv = 0;
  protected bytesSend = 0;
  private closed = false;

  protected constructor(
    protected readonly description: ConnectionDescription,
    protected readonly medias: readonly Media[],
  ) {}

  getMedias(): readonly Media[] {
    return this.medias;
  }

  abstract addTrack(media: Media, codec: Codec, receiver: Receiver): void;

  /** Attaches a sender that hands packets to `writer`; adapters call this from `addTrack`. */
  protected attach(
    media: Media,
    codec: Codec,
    receiver: Receiver,
    writer: PacketWriter,
    options?: SenderOptions,
  ): Sender {
    const sender = new Sender(media.kind, codec, writer, options);
    sender.parentId = receiver.id;
    this.senders.push({ sender, receiver });
    // A writer that throws means the connection is broken: end the whole consumer, not just this track.
    sender.onError.subscribe(() => void this.close());
    receiver.addSink(sender);
    return sender;
  }

  /** The default microphone track: a receiver the adapter writes the client's packets into. */
  protected createUplink(media: Media, codec: Codec): Receiver {
    const receiver = new Receiver(media, codec);
    this.receivers.push(receiver);
    return receiver;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async stop(): Promise<void> {
    await this.close();
  }

  protected async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.release();
    } finally {
      for (const { sender, receiver } of this.senders) receiver.removeSink(sender);
      for (const receiver of this.receivers) receiver.close();
      this.onClose.emit();
    }
  }

  /** Free the adapter's socket and timers. Called once. */
  protected abstract release(): Promise<void>;

  toJSON(): ConnectionJson {
    return connectionJson(this.id, this.description, {
      medias: this.medias,
      receivers: this.receivers,
      senders: this.senders.map((s) => s.sender),
      bytesRecv: this.bytesRecv,
      bytesSend: this.bytesSend,
    });
  }
}
