import type { Codec } from '../../addon/src/core/codec.js';
import { parseCodecName } from '../../addon/src/core/codec.js';
import { Ts2rtcError } from '../../addon/src/core/errors.js';
import type { Media } from '../../addon/src/core/media.js';
import { ProducerBase } from '../../addon/src/core/producer.js';
import type { StreamHub } from '../../addon/src/modules/streams/hub.js';
import { sourceOption, sourceOptions, type SourceUrl } from '../../addon/src/modules/streams/source-url.js';

export interface TestProducerOptions {
  /** Defaults to one H264 video media. */
  medias?: readonly Media[];
  /** Frames per second of every track. Defaults to 50, so tests see packets within a few ms. */
  fps?: number;
  /** Every Nth video frame is a key frame. Defaults to 10. */
  keyframeEvery?: number;
  /** Payload bytes per frame. Defaults to 100. */
  frameBytes?: number;
  url?: string;
}

/**
 * An in-process source with the shape of a real one: declared medias, receivers created on demand by the
 * hub, frames written on a timer only after `start()`, and `stop()` that frees the timer. Video payloads are
 * AVCC (a 4-byte length, then an IDR or non-IDR NAL header and filler), audio payloads plain filler.
 */
export class TestProducer extends ProducerBase {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly fps: number;
  private readonly keyframeEvery: number;
  private readonly frameBytes: number;
  startCount = 0;

  constructor(options: TestProducerOptions = {}) {
    super(
      { formatName: 'test', protocol: 'pipe', url: options.url ?? 'test:' },
      options.medias ?? [testMedia('video', 'H264')],
    );
    this.fps = options.fps ?? 50;
    this.keyframeEvery = options.keyframeEvery ?? 10;
    this.frameBytes = options.frameBytes ?? 100;
  }

  async start(): Promise<void> {
    if (this.timer || this.isClosed) return;
    this.startCount++;
    this.timer = setInterval(() => this.tick(), 1000 / this.fps);
  }

  /** Ends the source as if the device hung up. */
  async fail(message = 'test source failed'): Promise<void> {
    await this.close(new Error(message));
  }

  private tick(): void {
    const index = this.frame++;
    for (const { media, receiver } of this.tracks) {
      const video = media.kind === 'video';
      const keyframe = !video || index % this.keyframeEvery === 0;
      const payload = Buffer.alloc(this.frameBytes, index & 0xff);
      if (video) {
        payload.writeUInt32BE(this.frameBytes - 4, 0);
        payload[4] = keyframe ? 0x65 : 0x41;
      }
      const clock = receiver.codec.clockRate || 90000;
      receiver.write({ payload, timestamp: Math.round((index * clock) / this.fps), keyframe });
      this.bytesRecv += payload.length;
    }
  }

  protected async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** A recvonly producer media (what a camera offers) with one codec: `H264`, `OPUS/48000/2`, `PCMA/8000`. */
export function testMedia(kind: Media['kind'], codec: string): Media {
  return { kind, direction: 'recvonly', codecs: [parseTestCodec(codec)] };
}

export function parseTestCodec(text: string): Codec {
  const [name = '', rate, channels] = text.split('/');
  const parsed = parseCodecName(name);
  if (!parsed || parsed === 'ANY') throw new Ts2rtcError('TEST_CODEC', `test source: unknown codec ${text}`);
  const clockRate = rate ? Number(rate) : parsed === 'H264' || parsed === 'H265' || parsed === 'JPEG' ? 90000 : 8000;
  const video = parsed === 'H264' || parsed === 'H265' || parsed === 'JPEG';
  return { name: parsed, clockRate, channels: channels ? Number(channels) : video ? 0 : parsed === 'OPUS' ? 2 : 1 };
}

/**
 * Registers `test:` on a hub: `test:anything#video=H264#audio=PCMA/8000#fps=25`. Without `#video`/`#audio` the
 * source has one H264 track; `#fail` makes opening fail. Every producer opened is pushed to `opened`.
 */
export function registerTestSource(hub: StreamHub, scheme = 'test'): { opened: TestProducer[] } {
  const opened: TestProducer[] = [];
  hub.registerSource(scheme, async (url: SourceUrl) => {
    if (sourceOption(url, 'fail') !== undefined)
      throw new Ts2rtcError('TEST_SOURCE_FAILED', 'test source: open failed');
    const medias = [
      ...sourceOptions(url, 'video').map((c) => testMedia('video', c)),
      ...sourceOptions(url, 'audio').map((c) => testMedia('audio', c)),
    ];
    const fps = sourceOption(url, 'fps');
    const producer = new TestProducer({
      url: url.raw,
      ...(medias.length > 0 ? { medias } : {}),
      ...(fps ? { fps: Number(fps) } : {}),
    });
    opened.push(producer);
    return producer;
  });
  return { opened };
}
