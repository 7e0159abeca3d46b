import type { Logger } from 'pino';
import type { ConnectionDescription } from '../../core/connection.js';
import type { Media } from '../../core/media.js';
import { ProducerBase } from '../../core/producer.js';
import { JpegStreamSplitter } from '../../pkg/mjpeg/index.js';
import { ExecError } from './errors.js';
import { ManagedProcess, type ProcessTable } from './process.js';

export interface PipeSourceOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly description: ConnectionDescription;
  readonly log: Logger;
  readonly processes: ProcessTable;
  /** How long the process may take to write its first bytes. Defaults to 30 s. */
  readonly startTimeoutMs?: number;
  readonly killSignal?: NodeJS.Signals;
  readonly killTimeoutMs?: number;
}

const JPEG_MEDIA: Media = {
  kind: 'video',
  direction: 'recvonly',
  codecs: [{ name: 'JPEG', clockRate: 90000, channels: 0 }],
};

/**
 * `exec:` without `{output}`: the command writes media to stdout and the first bytes tell the format, as go2rtc's
 * pkg/magic does. A JPEG stream (what `ffmpeg … -f mjpeg -` and most MJPEG tools write) is what ts2rtc reads;
 * anything else is refused with EXEC_OUTPUT_UNSUPPORTED naming the bytes seen. The process runs from open
 * (its output is what shows the medias) until the source stops.
 */
export class PipeProducer extends ProducerBase {
  private readonly splitter = new JpegStreamSplitter();
  private readonly started = performance.now();

  private constructor(
    private readonly proc: ManagedProcess,
    options: PipeSourceOptions,
  ) {
    super(options.description, [JPEG_MEDIA]);
    void proc.exited.then((info) => void this.close(new ExecError('EXEC_EXITED', proc.describeExit(info))));
  }

  static async open(options: PipeSourceOptions): Promise<PipeProducer> {
    const proc = await ManagedProcess.start({
      command: options.command,
      args: options.args,
      name: 'exec',
      log: options.log,
      stdout: 'pipe',
      ...(options.killSignal ? { killSignal: options.killSignal } : {}),
      ...(options.killTimeoutMs !== undefined ? { killTimeoutMs: options.killTimeoutMs } : {}),
    });
    options.processes.add(proc);
    let first: Buffer;
    try {
      first = await firstBytes(proc, options.startTimeoutMs ?? 30_000);
      if (first[0] !== 0xff || first[1] !== 0xd8) {
        throw new ExecError(
          'EXEC_OUTPUT_UNSUPPORTED',
          `exec: stdout starts with ${first.subarray(0, 4).toString('hex')}; only JPEG (MJPEG) is read from a pipe, use {output} for RTSP`,
        );
      }
    } catch (err) {
      await proc.stop();
      throw err;
    }
    const producer = new PipeProducer(proc, options);
    producer.feed(first);
    proc.stdout?.on('data', (chunk: Buffer) => producer.feed(chunk));
    // It was paused after the first bytes; a new 'data' listener does not undo an explicit pause.
    proc.stdout?.resume();
    return producer;
  }

  async start(): Promise<void> {
    // The process already runs: its output is how the medias were known.
  }

  private feed(chunk: Buffer): void {
    this.bytesRecv += chunk.length;
    const timestamp = Math.round(((performance.now() - this.started) * 90000) / 1000);
    for (const image of this.splitter.push(chunk)) {
      for (const track of this.tracks) track.receiver.write({ payload: image, timestamp, keyframe: true });
    }
  }

  protected async release(): Promise<void> {
    await this.proc.stop();
  }
}

/** The first 2 bytes or more of stdout, or the process's exit or silence as an error. */
function firstBytes(proc: ManagedProcess, timeoutMs: number): Promise<Buffer> {
  const stdout = proc.stdout;
  if (!stdout) return Promise.reject(new ExecError('EXEC_START_FAILED', 'exec: no stdout'));
  return new Promise<Buffer>((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 2) return;
      done();
      resolve(got);
    };
    const timer = setTimeout(() => {
      done();
      reject(new ExecError('EXEC_TIMEOUT', `exec wrote nothing within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      stdout.off('data', onData);
      // Paused until the producer takes over, so no chunk is lost in between.
      stdout.pause();
    };
    stdout.on('data', onData);
    void proc.exited.then((info) => {
      done();
      reject(new ExecError('EXEC_EXITED', proc.describeExit(info)));
    });
  });
}
