import type { Logger } from 'pino';
import type { Codec } from '../../core/codec.js';
import type { Disposer } from '../../core/event.js';
import { watchCounter } from '../../core/liveness.js';
import type { Media } from '../../core/media.js';
import { ProducerBase } from '../../core/producer.js';
import type { Receiver } from '../../core/track.js';
import type { ConnectionJson } from '../../core/connection.js';
import type { RtmpUrl } from '../../pkg/rtmp/index.js';
import { openPlay, type PlaySession } from './client.js';
import { RtmpModuleError } from './errors.js';

/** Defaults of `#timeout=<s>`: connect, handshake, each answer, probing, and media silence. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface RtmpProducerConfig {
  readonly url: RtmpUrl;
  /** The source URL with the password masked. */
  readonly where: string;
  readonly timeoutMs: number;
  readonly log: Logger;
}

/**
 * An `rtmp://` source: `open` connects, plays and probes the tracks (the hub negotiates on them); media flows
 * from then on, into the receivers the hub asks for. When the server ends the stream or goes silent the
 * producer closes with an error and the hub reconnects with its backoff.
 */
export class RtmpProducer extends ProducerBase {
  private readonly subscriptions: Disposer[] = [];
  /** Stops the #timeout watch: nothing received for `timeoutMs` closes the producer. */
  private readonly stopWatch: () => void;

  private constructor(
    config: RtmpProducerConfig,
    private readonly session: PlaySession,
  ) {
    super(
      { formatName: 'rtmp', protocol: 'rtmp', remoteAddr: session.conn.remoteAddr, url: config.where },
      session.medias,
    );
    this.subscriptions.push(session.conn.onClose.subscribe((err) => void this.close(err)));
    this.stopWatch = watchCounter(
      config.timeoutMs,
      () => session.conn.bytesRecv,
      (silentMs) =>
        void this.close(
          new RtmpModuleError('RTMP_TIMEOUT', `${config.where}: no media for ${Math.round(silentMs / 1000)} s`),
        ),
    );
  }

  /** Throws RTMP_CONNECT, RTMP_TIMEOUT, RTMP_STREAM_NOT_FOUND, RTMP_REFUSED, RTMP_NO_TRACKS, RTMP_HANDSHAKE... */
  static async open(config: RtmpProducerConfig): Promise<RtmpProducer> {
    const session = await openPlay({
      url: config.url,
      where: config.where,
      timeoutMs: config.timeoutMs,
      log: config.log,
    });
    const producer = new RtmpProducer(config, session);
    // The stream may already have ended between probing and now.
    if (session.conn.isClosed) await producer.close(new RtmpModuleError('RTMP_CLOSED', `${config.where}: closed`));
    return producer;
  }

  override getTrack(media: Media, codec: Codec): Receiver {
    const receiver = super.getTrack(media, codec);
    this.session.media.attach(media, receiver);
    return receiver;
  }

  async start(): Promise<void> {
    // Playing since open: frames already go to the receivers.
  }

  override toJSON(): ConnectionJson {
    this.bytesRecv = this.session.conn.bytesRecv;
    this.bytesSend = this.session.conn.bytesSend;
    return super.toJSON();
  }

  protected async release(): Promise<void> {
    this.stopWatch();
    for (const dispose of this.subscriptions) dispose();
    this.session.conn.close();
  }
}
