import type { Logger } from 'pino';
import type { Codec } from '../../core/codec.js';
import type { ConnectionDescription } from '../../core/connection.js';
import type { Media } from '../../core/media.js';
import { ProducerBase, type Producer } from '../../core/producer.js';
import type { Receiver } from '../../core/track.js';
import { ExecError } from './errors.js';
import type { LocalIngest } from './ingest.js';
import { ManagedProcess, type ProcessTable } from './process.js';

export interface ProcessSourceOptions {
  /** `ffmpeg` or `exec`: names the process in logs and errors. */
  readonly name: string;
  readonly command: string;
  /** Arguments; `{output}` anywhere in one is replaced by the ingest URL of each run. */
  readonly args: readonly string[];
  /**
   * What the process will publish, when the command tells (`ffmpeg:…#video=h264#audio=opus`): the hub
   * negotiates on these and the process only runs once some consumer uses one. Undefined: the process runs
   * at open to find out (as go2rtc's exec: does), and stops with the source if nobody needs it.
   */
  readonly medias: readonly Media[] | undefined;
  readonly description: ConnectionDescription;
  readonly log: Logger;
  readonly ingest: LocalIngest;
  readonly processes: ProcessTable;
  /** How long the process may take to publish. Defaults to 30 s (go2rtc's `#starttimeout`). */
  readonly startTimeoutMs?: number;
  readonly killSignal?: NodeJS.Signals;
  readonly killTimeoutMs?: number;
}

/** How long after the publisher hung up the process gets to exit, so its stderr makes the error message. */
const EXIT_AFTER_HANGUP_MS = 1000;

/**
 * A source backed by a local process that publishes RTSP into our server (`{output}`): ffmpeg transcoding
 * and `exec:` commands. One process per producer, shared by every consumer of the source (the hub opens one
 * producer per source). The process is started in `start()` (or at open when its medias are unknown), its
 * publisher writes straight into our tracks' receivers (which the hub supplied: one fan-out point per track,
 * no hop between the process and the viewers), and it is stopped (SIGTERM, then SIGKILL) and reaped in
 * `stop()`. When it exits on its own the producer closes with its last stderr lines, and the hub's source
 * slot reconnects with backoff while consumers remain.
 */
export class ProcessProducer extends ProducerBase {
  private process: ManagedProcess | undefined;
  private publisher: Producer | undefined;
  private launching: Promise<void> | undefined;
  private stopRequested = false;
  /** Each track's receiver byte count when this producer took it (the hub's receivers outlive a session). */
  private readonly bytesAtStart = new Map<Receiver, number>();

  private constructor(private readonly options: ProcessSourceOptions) {
    super(options.description, options.medias ?? []);
  }

  /** Opens the source: nothing runs yet when the medias are known, else the process runs until it publishes. */
  static async open(options: ProcessSourceOptions): Promise<ProcessProducer> {
    const producer = new ProcessProducer(options);
    if (options.medias === undefined) {
      try {
        await producer.launch();
      } catch (err) {
        await producer.stop();
        throw err;
      }
    }
    return producer;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  override getTrack(media: Media, codec: Codec): Receiver {
    const known = this.tracks.length;
    const receiver = super.getTrack(media, codec);
    if (this.tracks.length > known) {
      this.bytesAtStart.set(receiver, receiver.stats.bytes);
      if (this.publisher) this.check(this.publisher, media, receiver);
    }
    return receiver;
  }

  async start(): Promise<void> {
    try {
      await this.launch();
    } catch (err) {
      // Stopped meanwhile: the failure is only the stop's doing. A process that died is a real failure, so
      // the hub counts it and backs off.
      if (!this.stopRequested) throw err;
    }
  }

  override async stop(): Promise<void> {
    this.stopRequested = true;
    await super.stop();
  }

  private launch(): Promise<void> {
    this.launching ??= this.run();
    return this.launching;
  }

  private async run(): Promise<void> {
    const { url, publisher, release } = this.options.ingest.open();
    try {
      const proc = await ManagedProcess.start({
        command: this.options.command,
        args: this.options.args.map((arg) => arg.replaceAll('{output}', url)),
        name: this.options.name,
        log: this.options.log,
        ...(this.options.killSignal ? { killSignal: this.options.killSignal } : {}),
        ...(this.options.killTimeoutMs !== undefined ? { killTimeoutMs: this.options.killTimeoutMs } : {}),
      });
      this.options.processes.add(proc);
      this.process = proc;
      if (this.isClosed) {
        await proc.stop();
        throw new ExecError('EXEC_EXITED', `${this.options.name}: stopped while starting`);
      }
      void proc.exited.then((info) => void this.close(new ExecError('EXEC_EXITED', proc.describeExit(info))));
      const published = await this.waitForPublisher(proc, publisher);
      this.attach(proc, published);
    } finally {
      release();
    }
  }

  private waitForPublisher(proc: ManagedProcess, publisher: Promise<Producer>): Promise<Producer> {
    const timeoutMs = this.options.startTimeoutMs ?? 30_000;
    return new Promise<Producer>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new ExecError('EXEC_TIMEOUT', `${this.options.name} published nothing within ${timeoutMs} ms${tail(proc)}`),
        );
        void proc.stop();
      }, timeoutMs);
      const settle = (): void => clearTimeout(timer);
      publisher.then(
        (p) => {
          settle();
          resolve(p);
        },
        (err: unknown) => {
          settle();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
      void proc.exited.then((info) => {
        settle();
        reject(new ExecError('EXEC_EXITED', proc.describeExit(info)));
      });
    });
  }

  private attach(proc: ManagedProcess, publisher: Producer): void {
    if (this.isClosed) {
      void publisher.stop();
      return;
    }
    this.publisher = publisher;
    if (this.options.medias === undefined) this.medias = publisher.getMedias();
    // The publisher makes a track when its first RTP arrives (after RECORD, so after this): each becomes
    // ours, in the receiver the hub supplies, which the publisher then writes into.
    publisher.supplyTracks((theirs, codec) => this.trackFor(publisher, theirs, codec));
    for (const track of this.tracks) this.check(publisher, track.media, track.receiver);
    publisher.onClose.once(() => {
      // The process hung up; give it a moment to exit so the error carries its last words.
      void Promise.race([proc.exited, new Promise((resolve) => setTimeout(resolve, EXIT_AFTER_HANGUP_MS))]).then(() => {
        void this.close(
          new ExecError(
            'EXEC_EXITED',
            `${this.options.name} stopped publishing${proc.hasExited ? `: ${proc.describeExit()}` : ''}`,
          ),
        );
      });
    });
    this.options.log.debug({ pid: proc.pid, medias: publisher.getMedias().length }, `${this.options.name}: publishing`);
  }

  /**
   * Our receiver for a publisher track: that of our media whose source it is. Undefined when we have no such
   * media or it has another codec; the publisher then keeps that track to itself.
   */
  private trackFor(publisher: Producer, theirs: Media, codec: Codec): Receiver | undefined {
    if (this.isClosed) return undefined;
    const ours = this.medias.find((m) => this.sourceOf(publisher, m) === theirs);
    const ourCodec =
      this.tracks.find((t) => t.media === ours)?.receiver.codec ?? ours?.codecs.find((c) => c.name === codec.name);
    if (!ours || ourCodec?.name !== codec.name) return undefined;
    return this.getTrack(ours, ourCodec);
  }

  /** Warns when a track of ours has nothing in what the process publishes: its viewers will get nothing. */
  private check(publisher: Producer, media: Media, receiver: Receiver): void {
    const codec = this.sourceOf(publisher, media)?.codecs[0];
    if (!codec) {
      this.options.log.warn({ kind: media.kind }, `${this.options.name}: the process publishes no such track`);
    } else if (codec.name !== receiver.codec.name) {
      this.options.log.warn(
        { expected: receiver.codec.name, got: codec.name },
        `${this.options.name}: the process publishes another codec`,
      );
    }
  }

  /**
   * The publisher's media that feeds our `media`: the same one when our medias are the publisher's (the
   * command did not declare them), else the one of the same kind and position.
   */
  private sourceOf(publisher: Producer, media: Media): Media | undefined {
    const theirs = publisher.getMedias();
    if (theirs.includes(media)) return media;
    const index = this.medias.filter((m) => m.kind === media.kind).indexOf(media);
    return theirs.filter((m) => m.kind === media.kind && m.direction === 'recvonly')[index];
  }

  /** What the process published into our tracks this session: their receivers count every write. */
  protected override receivedBytes(): number {
    let bytes = 0;
    for (const { receiver } of this.tracks) bytes += receiver.stats.bytes - (this.bytesAtStart.get(receiver) ?? 0);
    return bytes;
  }

  protected async release(): Promise<void> {
    const proc = this.process;
    const publisher = this.publisher;
    this.publisher = undefined;
    if (proc) await proc.stop();
    if (publisher) await publisher.stop();
  }
}

function tail(proc: ManagedProcess): string {
  const lines = proc.lastLines().slice(-3).join(' | ');
  return lines ? `: ${lines}` : '';
}
