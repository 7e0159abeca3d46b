import type { Codec } from '../../../addon/src/core/codec.js';
import type { Media } from '../../../addon/src/core/media.js';
import type { Packet } from '../../../addon/src/core/packet.js';
import { ProducerBase } from '../../../addon/src/core/producer.js';
import type { Receiver } from '../../../addon/src/core/track.js';
import type { StreamHub } from '../../../addon/src/modules/streams/hub.js';
import { parseTestCodec } from '../../helpers/test-producer.js';

/**
 * A source that only has a backchannel (an ONVIF camera's speaker, in process): one `sendonly` audio media,
 * recording every frame the hub routes into it with its arrival time.
 */
export class BackchannelProducer extends ProducerBase {
  readonly frames: Array<{ packet: Packet; at: number }> = [];
  readonly codecs: Codec[] = [];

  constructor(codec: Codec) {
    const media: Media = { kind: 'audio', direction: 'sendonly', codecs: [codec] };
    super({ formatName: 'backchannel', protocol: 'pipe' }, [media]);
  }

  override addTrack(media: Media, codec: Codec, source: Receiver): void {
    this.codecs.push(codec);
    this.attachBackTrack(media, codec, source, (packet) => {
      if (this.frames.length < 100000) this.frames.push({ packet, at: performance.now() });
      return true;
    });
  }

  async start(): Promise<void> {}

  protected async release(): Promise<void> {}
}

/** `backchannel:PCMU/8000` or `backchannel:OPUS/48000/2`; every producer opened is pushed to `opened`. */
export function registerBackchannelSource(hub: StreamHub): BackchannelProducer[] {
  const opened: BackchannelProducer[] = [];
  hub.registerSource('backchannel', async (url) => {
    const producer = new BackchannelProducer(parseTestCodec(url.rest));
    opened.push(producer);
    return producer;
  });
  return opened;
}
