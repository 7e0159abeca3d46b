import type { Codec } from '../../core/codec.js';
import type { ConnectionDescription } from '../../core/connection.js';
import { ConsumerBase } from '../../core/consumer.js';
import type { Disposer } from '../../core/event.js';
import type { Media } from '../../core/media.js';
import type { Receiver, Sender } from '../../core/track.js';
import { JPEG_CODEC, type JpegTranscoder, type TranscoderRegistry } from './transcoder.js';

/** Where the JPEGs go: a multipart HTTP response or WebSocket binary messages. */
export interface JpegTransport {
  /** One image; false when the client is congested (the sender queues until `onDrain`). */
  write(image: Buffer): boolean;
  onDrain(handler: () => void): Disposer;
  close(): void;
}

const anyRate = (name: Codec['name']): Codec => ({ name, clockRate: 0, channels: 0 });

/** A video track: JPEG as is, or H264/H265 to be transcoded (JPEG first, so a JPEG source is preferred). */
export const MJPEG_MEDIAS: readonly Media[] = [
  { kind: 'video', direction: 'sendonly', codecs: [anyRate('JPEG'), anyRate('H264'), anyRate('H265')] },
];

/**
 * An MJPEG client (`/api/stream.mjpeg`, the `mjpeg` WebSocket mode, format name `mjpeg`). A JPEG track is
 * sent as it comes; an H264/H265 track goes through the stream's shared transcoder, so any number of
 * MJPEG clients of a camera cost one ffmpeg.
 */
export class MjpegConsumer extends ConsumerBase {
  private transcoder: JpegTranscoder | undefined;
  private sender: Sender | undefined;
  private disposeDrain: Disposer | undefined;
  private disposeTrackClose: Disposer | undefined;

  constructor(
    description: ConnectionDescription,
    private readonly transport: JpegTransport,
    private readonly registry: TranscoderRegistry,
  ) {
    super(description, MJPEG_MEDIAS);
    this.disposeDrain = transport.onDrain(() => this.sender?.resume());
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    if (this.sender) return;
    let track = receiver;
    let trackCodec = codec;
    if (codec.name === 'H264' || codec.name === 'H265') {
      this.transcoder = this.registry.acquire(receiver, codec.name);
      track = this.transcoder.output;
      trackCodec = JPEG_CODEC;
    }
    // Paused until `begin()`: the track replays its cached picture at once, before the HTTP headers are out.
    this.sender = this.attach(
      media,
      trackCodec,
      track,
      (packet) => {
        this.bytesSend += packet.payload.length;
        return this.transport.write(packet.payload);
      },
      { startPaused: true, maxQueuePackets: 8 },
    );
    // The source track (or the transcoder) ended for good: so does this client's stream.
    this.disposeTrackClose = track.onClose.once(() => void this.close());
  }

  /** The response headers (or the `mjpeg` reply) are out: images may flow. */
  begin(): void {
    this.sender?.resume();
  }

  protected async release(): Promise<void> {
    this.disposeDrain?.();
    this.disposeDrain = undefined;
    this.disposeTrackClose?.();
    this.disposeTrackClose = undefined;
    const transcoder = this.transcoder;
    this.transcoder = undefined;
    if (transcoder) await this.registry.release(transcoder);
    this.transport.close();
  }
}
