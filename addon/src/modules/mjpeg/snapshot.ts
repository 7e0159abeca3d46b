import type { Logger } from 'pino';
import type { Codec } from '../../core/codec.js';
import type { ConnectionDescription } from '../../core/connection.js';
import { ConsumerBase } from '../../core/consumer.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import type { Receiver } from '../../core/track.js';
import type { Stream } from '../streams/stream.js';
import { snapshotArgs, snapshotFilters, type SnapshotOptions } from '../../pkg/ffmpeg/index.js';
import { avccToAnnexB } from '../../pkg/h264/index.js';
import { ManagedProcess, type ProcessTable } from '../exec/index.js';
import { MjpegModuleError } from './errors.js';
import { MJPEG_MEDIAS } from './consumer.js';

/** One key frame, as the stream had it. */
interface Keyframe {
  readonly packet: Packet;
  readonly codec: Codec;
}

/**
 * Takes the first video key frame a stream gives: on attach the track replays its GOP cache, so a running
 * stream answers at once with its latest key frame; a stopped one is started and the first one awaited.
 */
class KeyframeGrabber extends ConsumerBase {
  private resolve: ((frame: Keyframe) => void) | undefined;
  readonly frame: Promise<Keyframe>;

  constructor(description: ConnectionDescription) {
    super(description, MJPEG_MEDIAS);
    this.frame = new Promise<Keyframe>((resolve) => {
      this.resolve = resolve;
    });
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    // The sender skips to the first key frame by itself.
    this.attach(media, codec, receiver, (packet) => {
      this.resolve?.({ packet, codec });
      this.resolve = undefined;
      return true;
    });
  }

  protected async release(): Promise<void> {
    // Nothing of its own; the base detaches the sender.
  }
}

export interface SnapshotContext {
  readonly bin: string;
  readonly logLevel: string;
  readonly log: Logger;
  readonly processes: ProcessTable;
  /** How long to wait for a key frame. Defaults to 10 s. */
  readonly keyframeTimeoutMs?: number;
}

/** How long a decoded picture is reused for the same key frame and options. */
const DECODED_TTL_MS = 10_000;
const MAX_DECODED = 64;
const MAX_JPEG_BYTES = 32 * 1024 * 1024;

/**
 * `/api/frame.jpeg`: the stream's latest key frame as a JPEG. H264/H265 key frames are decoded by ffmpeg
 * once per key frame and options (concurrent and repeated requests share the result until the next key
 * frame); a JPEG track is returned as it is, without resizing, as go2rtc does.
 */
export class Snapshots {
  private readonly decoded = new Map<string, { packet: Packet; jpeg: Promise<Buffer>; at: number }>();
  /** go2rtc's `cache=<duration>`: the last answer per `src`, reused while younger than asked. */
  private readonly answers = new Map<string, { jpeg: Buffer; at: number }>();

  constructor(private readonly context: SnapshotContext) {}

  cached(src: string, maxAgeMs: number): Buffer | undefined {
    const entry = this.answers.get(src);
    return entry && performance.now() - entry.at < maxAgeMs ? entry.jpeg : undefined;
  }

  remember(src: string, jpeg: Buffer): void {
    this.answers.delete(src);
    this.answers.set(src, { jpeg, at: performance.now() });
    while (this.answers.size > MAX_DECODED) this.answers.delete(this.answers.keys().next().value ?? '');
  }

  async take(stream: Stream, options: SnapshotOptions, description: ConnectionDescription): Promise<Buffer> {
    const frame = await this.keyframe(stream, description);
    if (frame.codec.name === 'JPEG') return frame.packet.payload;
    if (frame.codec.name !== 'H264' && frame.codec.name !== 'H265') {
      throw new MjpegModuleError('MJPEG_TRANSCODE_FAILED', `mjpeg: cannot decode ${frame.codec.name}`);
    }
    const key = `${stream.name}\u0000${snapshotFilters(options).join(',')}`;
    const now = performance.now();
    const hit = this.decoded.get(key);
    if (hit && hit.packet === frame.packet && now - hit.at < DECODED_TTL_MS) return hit.jpeg;
    const jpeg = this.decode(frame.packet, frame.codec.name, options);
    this.decoded.set(key, { packet: frame.packet, jpeg, at: now });
    // A failed decode is not kept: the next request tries again.
    jpeg.catch(() => {
      if (this.decoded.get(key)?.jpeg === jpeg) this.decoded.delete(key);
    });
    for (const [k, v] of this.decoded)
      if (now - v.at >= DECODED_TTL_MS || this.decoded.size > MAX_DECODED) this.decoded.delete(k);
    return jpeg;
  }

  private async keyframe(stream: Stream, description: ConnectionDescription): Promise<Keyframe> {
    const grabber = new KeyframeGrabber(description);
    const timeoutMs = this.context.keyframeTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    let disposeClose = (): void => undefined;
    const failed = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new MjpegModuleError('MJPEG_NO_KEYFRAME', `mjpeg: no key frame within ${timeoutMs} ms`)),
        timeoutMs,
      );
      disposeClose = grabber.onClose.once(() =>
        reject(new MjpegModuleError('MJPEG_SOURCE_ENDED', 'mjpeg: stream ended before a key frame')),
      );
    });
    try {
      await stream.addConsumer(grabber);
      return await Promise.race([grabber.frame, failed]);
    } finally {
      clearTimeout(timer);
      disposeClose();
      // Settled or not, nobody waits on it any more.
      failed.catch(() => undefined);
      stream.removeConsumer(grabber);
    }
  }

  private async decode(packet: Packet, codec: 'H264' | 'H265', options: SnapshotOptions): Promise<Buffer> {
    const started = performance.now();
    const proc = await ManagedProcess.start({
      command: this.context.bin,
      args: snapshotArgs(codec, options, this.context.logLevel),
      name: 'ffmpeg (jpeg)',
      log: this.context.log,
      stdin: 'pipe',
      stdout: 'pipe',
      killTimeoutMs: 1000,
    });
    this.context.processes.add(proc);
    const chunks: Buffer[] = [];
    let size = 0;
    proc.stdout?.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_JPEG_BYTES) chunks.push(chunk);
    });
    const drained = new Promise<void>((resolve) =>
      proc.stdout ? proc.stdout.once('close', () => resolve()) : resolve(),
    );
    proc.stdin?.end(avccToAnnexB(packet.payload));
    const timer = setTimeout(() => void proc.stop(), 5000);
    const [info] = await Promise.all([proc.exited, drained]);
    clearTimeout(timer);
    const jpeg = Buffer.concat(chunks);
    if (info.code !== 0 || jpeg.length === 0 || size > MAX_JPEG_BYTES) {
      throw new MjpegModuleError('MJPEG_TRANSCODE_FAILED', `mjpeg: ${proc.describeExit(info)}`);
    }
    this.context.log.debug(
      { ms: Math.round(performance.now() - started), bytes: jpeg.length },
      'mjpeg: key frame decoded',
    );
    return jpeg;
  }
}
