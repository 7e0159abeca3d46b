import type { Codec } from '../../addon/src/core/codec.js';
import { ConsumerBase } from '../../addon/src/core/consumer.js';
import type { Media } from '../../addon/src/core/media.js';
import type { Packet } from '../../addon/src/core/packet.js';
import type { Receiver } from '../../addon/src/core/track.js';
import { waitFor } from './wait.js';

/**
 * An in-process viewer: wants the given medias (sendonly, i.e. the server sends them to it), records every
 * packet it gets and counts its bytes like a real consumer's socket would.
 */
export class TestConsumer extends ConsumerBase {
  readonly packets: Array<{ kind: Media['kind']; codec: Codec; packet: Packet }> = [];

  constructor(medias: readonly Media[] = [wantMedia('video', 'ANY')], formatName = 'test') {
    super({ formatName, protocol: 'pipe', remoteAddr: '127.0.0.1:0' }, medias);
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    this.attach(media, codec, receiver, (packet) => {
      this.packets.push({ kind: media.kind, codec, packet });
      this.bytesSend += packet.payload.length;
      return true;
    });
  }

  async waitForPackets(count: number, timeoutMs = 5000): Promise<void> {
    await waitFor(() => this.packets.length >= count, { timeoutMs, what: `${count} packets` });
  }

  protected async release(): Promise<void> {
    // No socket: the base class detaches the senders.
  }
}

/** A media a viewer wants (sendonly from the server's side); `ANY` takes whatever codec the source has. */
export function wantMedia(kind: Media['kind'], ...codecs: Codec['name'][]): Media {
  return { kind, direction: 'sendonly', codecs: codecs.map((name) => ({ name, clockRate: 0, channels: 0 })) };
}
