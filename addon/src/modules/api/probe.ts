import type { Codec } from '../../core/codec.js';
import { ConsumerBase } from '../../core/consumer.js';
import type { Media } from '../../core/media.js';
import type { Receiver } from '../../core/track.js';

export { parseMediaQuery } from '../streams/media-query.js';

/**
 * A consumer that takes tracks and counts their bytes: `GET /api/streams?src=x&video&audio` attaches one to
 * show what the stream negotiates, and `/api/preload` keeps one attached so the source stays connected.
 */
export class ProbeConsumer extends ConsumerBase {
  constructor(formatName: 'probe' | 'preload', medias: readonly Media[]) {
    super({ formatName }, medias);
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    this.attach(media, codec, receiver, (packet) => {
      this.bytesSend += packet.payload.length;
      return true;
    });
  }

  getTrack(media: Media, codec: Codec): Receiver {
    return this.createUplink(media, codec);
  }

  protected async release(): Promise<void> {
    // Nothing of its own to free: the base class detaches the senders.
  }
}
