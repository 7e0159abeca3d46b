import type { Readable } from 'node:stream';
import type { Codec } from '../../core/codec.js';
import type { ConnectionDescription } from '../../core/connection.js';
import type { Media } from '../../core/media.js';
import { ProducerBase } from '../../core/producer.js';
import type { Receiver } from '../../core/track.js';
import { FlvReader } from '../../pkg/flv/index.js';
import { RtmpModuleError } from './errors.js';
import { IncomingMedia } from './incoming.js';

export interface FlvProducerOptions {
  /** `/api/streams` fields (format_name `flv`, protocol `http`, remote address, url). */
  readonly description: ConnectionDescription;
  /** For messages: where the bytes come from. */
  readonly where: string;
  /** How long the tracks may take to show up (sequence headers). */
  readonly timeoutMs: number;
}

/**
 * A live FLV byte stream as a hub source: HTTP-FLV (an `http(s)://` camera or server, `POST /api/stream.flv`),
 * read with pkg/flv's FlvReader and the RTMP module's track probe, no ffmpeg. `open` resolves once the tracks
 * are known; the producer ends (with an error) when the body ends or breaks, and `stop` destroys the body.
 */
export class FlvProducer extends ProducerBase {
  private constructor(
    private readonly body: Readable,
    private readonly media: IncomingMedia,
    medias: Media[],
    description: ConnectionDescription,
    where: string,
  ) {
    super(description, medias);
    body.on('end', () => void this.close(new RtmpModuleError('RTMP_CLOSED', `${where}: the FLV stream ended`)));
    body.on('close', () => void this.close(new RtmpModuleError('RTMP_CLOSED', `${where}: the FLV stream closed`)));
  }

  /** Reads until the tracks are known; throws FLV_* (not FLV), RTMP_TIMEOUT, RTMP_CLOSED, RTMP_NO_TRACKS. */
  static async open(body: Readable, options: FlvProducerOptions): Promise<FlvProducer> {
    const reader = new FlvReader();
    const media = new IncomingMedia();
    let failure: Error | undefined;
    let producer: FlvProducer | undefined;
    const onData = (chunk: Buffer): void => {
      try {
        for (const tag of reader.push(chunk)) media.pushTag(tag);
        if (producer) producer.bytesRecv += chunk.length;
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        body.destroy(failure);
      }
    };
    body.on('data', onData);
    body.on('error', (err: Error) => (failure ??= err));
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<never>((_, reject) => {
      const fail = (): void =>
        reject(
          failure ??
            new RtmpModuleError('RTMP_CLOSED', `${options.where}: the FLV stream ended before its tracks were known`),
        );
      body.once('close', fail);
      body.once('end', fail);
      timer = setTimeout(() => {
        const forced = media.probe(undefined, true);
        if (!forced)
          reject(
            new RtmpModuleError(
              'RTMP_TIMEOUT',
              `${options.where}: no audio/video sequence header in ${options.timeoutMs} ms`,
            ),
          );
      }, options.timeoutMs);
    });
    try {
      const medias = await Promise.race([media.ready, ended]);
      if (medias.length === 0)
        throw new RtmpModuleError('RTMP_NO_TRACKS', `${options.where}: no H264/H265/AAC/G.711 track`);
      producer = new FlvProducer(body, media, medias, options.description, options.where);
      return producer;
    } catch (err) {
      body.off('data', onData);
      body.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  override getTrack(media: Media, codec: Codec): Receiver {
    const receiver = super.getTrack(media, codec);
    this.media.attach(media, receiver);
    return receiver;
  }

  async start(): Promise<void> {
    // The body flows since open.
  }

  protected async release(): Promise<void> {
    this.body.destroy();
  }
}
