import type { Logger } from 'pino';
import type { Codec } from '../../core/codec.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import { Receiver, Sender } from '../../core/track.js';
import { mjpegTranscodeArgs } from '../../pkg/ffmpeg/index.js';
import { avccToAnnexB } from '../../pkg/h264/index.js';
import { JpegStreamSplitter } from '../../pkg/mjpeg/index.js';
import { ManagedProcess, type ProcessTable } from '../exec/index.js';

export const JPEG_CODEC: Codec = { name: 'JPEG', clockRate: 90000, channels: 0 };
const JPEG_MEDIA: Media = { kind: 'video', direction: 'recvonly', codecs: [JPEG_CODEC] };

export interface TranscoderContext {
  readonly bin: string;
  readonly logLevel: string;
  readonly log: Logger;
  readonly processes: ProcessTable;
}

/**
 * One ffmpeg turning a stream's H264/H265 track into JPEGs, shared by every MJPEG client of that track: it
 * reads the track like any consumer (a Sender, so a slow ffmpeg loses whole GOPs rather than stalling the
 * camera), writes Annex B to ffmpeg's stdin, and publishes each JPEG from stdout on its own receiver, where
 * the clients attach. Started by the first client, stopped (and reaped) when the last one leaves.
 */
export class JpegTranscoder {
  readonly output = new Receiver(JPEG_MEDIA, JPEG_CODEC, { gopMaxPackets: 1 });
  private readonly sender: Sender;
  private readonly splitter = new JpegStreamSplitter();
  private proc: ManagedProcess | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;
  /** Timestamps of the input frames in order, given to the JPEGs they become (ffmpeg keeps frame order). */
  private readonly pending: number[] = [];
  users = 0;

  constructor(
    private readonly source: Receiver,
    private readonly codec: 'H264' | 'H265',
    private readonly context: TranscoderContext,
  ) {
    this.sender = new Sender('video', source.codec, (packet) => this.write(packet), { maxQueuePackets: 50 });
  }

  start(): Promise<void> {
    this.starting ??= this.run();
    return this.starting;
  }

  private async run(): Promise<void> {
    const proc = await ManagedProcess.start({
      command: this.context.bin,
      args: mjpegTranscodeArgs(this.codec, this.context.logLevel),
      name: 'ffmpeg (mjpeg)',
      log: this.context.log,
      stdin: 'pipe',
      stdout: 'pipe',
      killTimeoutMs: 1000,
    });
    this.context.processes.add(proc);
    if (this.stopped) {
      await proc.stop();
      return;
    }
    this.proc = proc;
    proc.stdout?.on('data', (chunk: Buffer) => this.onOutput(chunk));
    proc.stdin?.on('drain', () => this.sender.resume());
    void proc.exited.then(() => {
      // A crash ends the clients' stream; they reconnect (go2rtc's player retries) and get a new process.
      if (!this.stopped) this.output.close();
    });
    this.source.addSink(this.sender);
  }

  private write(packet: Packet): boolean {
    const stdin = this.proc?.stdin;
    if (!stdin || stdin.destroyed) return true;
    this.pending.push(packet.timestamp);
    if (this.pending.length > 100) this.pending.shift();
    return stdin.write(avccToAnnexB(packet.payload));
  }

  private onOutput(chunk: Buffer): void {
    for (const image of this.splitter.push(chunk)) {
      const timestamp = this.pending.shift() ?? 0;
      this.output.write({ payload: image, timestamp, keyframe: true });
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.source.removeSink(this.sender);
    this.output.close();
    await this.starting?.catch(() => undefined);
    const proc = this.proc;
    if (proc) {
      proc.stdin?.end();
      await proc.stop();
    }
  }
}

/** The transcoder of each source track, counted by users; at most one ffmpeg per track. */
export class TranscoderRegistry {
  private readonly transcoders = new Map<Receiver, JpegTranscoder>();
  /** Unsubscribes from the source track's close, so a long-lived track does not collect handlers. */
  private readonly unwatch = new Map<JpegTranscoder, () => void>();

  constructor(private readonly context: TranscoderContext) {}

  get size(): number {
    return this.transcoders.size;
  }

  acquire(source: Receiver, codec: 'H264' | 'H265'): JpegTranscoder {
    let transcoder = this.transcoders.get(source);
    if (!transcoder) {
      transcoder = new JpegTranscoder(source, codec, this.context);
      this.transcoders.set(source, transcoder);
      const created = transcoder;
      // The source track ended (stream stopped, source gone): the transcoder goes with it.
      this.unwatch.set(
        created,
        source.onClose.once(() => void this.drop(created)),
      );
      void transcoder.start().catch((err: unknown) => {
        this.context.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'mjpeg: transcoder failed to start',
        );
        void this.drop(created);
      });
    }
    transcoder.users++;
    return transcoder;
  }

  async release(transcoder: JpegTranscoder): Promise<void> {
    transcoder.users--;
    if (transcoder.users <= 0) await this.drop(transcoder);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.transcoders.values()].map((t) => this.drop(t)));
  }

  private async drop(transcoder: JpegTranscoder): Promise<void> {
    for (const [source, t] of this.transcoders) if (t === transcoder) this.transcoders.delete(source);
    this.unwatch.get(transcoder)?.();
    this.unwatch.delete(transcoder);
    await transcoder.stop();
  }
}
