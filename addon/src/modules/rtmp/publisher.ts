import type { Codec } from '../../core/codec.js';
import type { ConnectionJson } from '../../core/connection.js';
import type { Media } from '../../core/media.js';
import { ProducerBase } from '../../core/producer.js';
import type { Receiver } from '../../core/track.js';
import type { RtmpConnection } from './connection.js';
import type { IncomingMedia } from './incoming.js';

/**
 * A client publishing into a stream (ffmpeg `-f flv rtmp://…`, OBS): a source of that stream for as long as
 * it stays connected, as an RTSP ANNOUNCE publisher is. Made once its tracks are probed.
 */
export class RtmpPublisher extends ProducerBase {
  constructor(
    private readonly conn: RtmpConnection,
    private readonly media: IncomingMedia,
    medias: Media[],
    userAgent: string | undefined,
  ) {
    super(
      { formatName: 'rtmp', protocol: 'rtmp', remoteAddr: conn.remoteAddr, ...(userAgent ? { userAgent } : {}) },
      medias,
    );
    conn.onClose.once((err) => void this.close(err));
  }

  override getTrack(media: Media, codec: Codec): Receiver {
    const receiver = super.getTrack(media, codec);
    this.media.attach(media, receiver);
    return receiver;
  }

  async start(): Promise<void> {
    // The client pushes; nothing to ask for.
  }

  override toJSON(): ConnectionJson {
    this.bytesRecv = this.conn.bytesRecv;
    this.bytesSend = this.conn.bytesSend;
    return super.toJSON();
  }

  protected async release(): Promise<void> {
    this.conn.close();
  }
}
