import type { Codec } from '../../core/codec.js';
import type { ConnectionDescription } from '../../core/connection.js';
import { ConsumerBase } from '../../core/consumer.js';
import { errorMessage } from '../../core/errors.js';
import { Event, type Disposer } from '../../core/event.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import type { Receiver, Sender } from '../../core/track.js';
import { buildInitSegment, buildMdat, buildMoof, contentType, type MuxerTrack } from '../../pkg/mp4/index.js';
import { Mp4ModuleError } from './errors.js';
import { createConverter, type TrackConverter } from './tracks.js';

/** One key frame as a complete MP4 file. */
export interface KeyframeFile {
  readonly data: Buffer;
  readonly mime: string;
}

/**
 * Video key frames as standalone MP4 files (init segment + one fragment): `/api/frame.mp4` takes the first one,
 * the `mp4` WebSocket mode sends each one. The stream's GOP cache replays the last key frame on attach, so
 * the first file is usually ready before negotiation returns.
 */
export class KeyframeConsumer extends ConsumerBase {
  private converter: TrackConverter | undefined;
  private sender: Sender | undefined;
  private latest: KeyframeFile | undefined;
  private sink: ((data: Buffer) => boolean) | undefined;
  private disposeDrain: Disposer | undefined;
  private cachedInit: { config: Buffer; init: Buffer; mime: string } | undefined;
  private lastError: string | undefined;
  private readonly onFrame = new Event<[]>();

  constructor(description: ConnectionDescription, medias: readonly Media[]) {
    super(description, medias);
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    if (media.kind !== 'video' || this.converter) return;
    this.converter = createConverter(codec);
    this.sender = this.attach(media, codec, receiver, (packet) => this.onPacket(packet));
  }

  /** Resolves with the MIME type once the first key frame is muxed. */
  firstFrame(timeoutMs: number): Promise<string> {
    const ready = this.latest;
    if (ready) return Promise.resolve(ready.mime);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        dispose();
        closed();
        const detail = this.lastError ? `: ${this.lastError}` : '';
        reject(new Mp4ModuleError('MP4_NO_KEYFRAME', `mp4: no key frame within ${timeoutMs} ms${detail}`));
      }, timeoutMs);
      const dispose = this.onFrame.once(() => {
        clearTimeout(timer);
        closed();
        if (this.latest) resolve(this.latest.mime);
      });
      const closed = this.onClose.once(() => {
        clearTimeout(timer);
        dispose();
        reject(new Mp4ModuleError('MP4_SOURCE_ENDED', 'mp4: stream ended before a key frame'));
      });
    });
  }

  /** The first key frame's file (after `firstFrame` resolved). */
  get first(): KeyframeFile | undefined {
    return this.latest;
  }

  /** Sends the frame already muxed, then every later key frame, through `send` (false = congested). */
  stream(send: (data: Buffer) => boolean, onDrain: (resume: () => void) => Disposer): void {
    this.sink = send;
    this.disposeDrain = onDrain(() => this.sender?.resume());
    const pending = this.latest;
    if (pending) this.write(pending.data);
  }

  private onPacket(packet: Packet): boolean {
    if (!packet.keyframe || !this.converter) return true;
    let file: KeyframeFile;
    try {
      file = this.mux(this.converter, packet);
    } catch (err) {
      this.lastError = errorMessage(err);
      return true;
    }
    if (this.sink) return this.write(file.data);
    this.latest = file;
    this.onFrame.emit();
    return true;
  }

  private write(data: Buffer): boolean {
    this.bytesSend += data.length;
    return this.sink ? this.sink(data) : true;
  }

  private mux(converter: TrackConverter, packet: Packet): KeyframeFile {
    const track: MuxerTrack | undefined = converter.describe(packet);
    if (!track || track.kind !== 'video')
      throw new Mp4ModuleError('MP4_NO_PARAMETER_SETS', 'mp4: key frame without parameter sets');
    let cached = this.cachedInit;
    if (!cached || !cached.config.equals(track.config)) {
      cached = { config: track.config, init: buildInitSegment([track]), mime: contentType([track]) };
      this.cachedInit = cached;
    }
    const sample = converter.convert(packet)[0];
    if (!sample) throw new Mp4ModuleError('MP4_NO_PARAMETER_SETS', 'mp4: empty key frame');
    const mdat = buildMdat([sample.data]);
    // One frame shown for 1/25 s, from decode time 0.
    const moof = buildMoof(1, 1, 0, [
      { size: sample.data.length, duration: Math.round(track.timescale / 25), keyframe: true },
    ]);
    return { data: Buffer.concat([cached.init, moof, mdat]), mime: cached.mime };
  }

  protected async release(): Promise<void> {
    this.disposeDrain?.();
    this.disposeDrain = undefined;
    this.sink = undefined;
  }
}
