import type { Logger } from 'pino';
import { Ts2rtcError } from '../../../core/errors.js';
import type { RtspConnection } from '../../../pkg/rtsp/connection.js';
import { RtspRequestError } from '../../../pkg/rtsp/errors.js';
import type {
  AnnounceRequest,
  DescribeRequest,
  ServerSessionHandler,
  SessionPublisher,
  SessionReader,
} from '../../../pkg/rtsp/server/handler.js';
import type { StreamHub } from '../../streams/hub.js';
import type { PublishClaims } from './publish-claims.js';
import { RtspPublisher } from './publisher.js';
import { backchannelMedia, readerMedias } from './reader-medias.js';
import { RtspReaderConsumer } from './reader-consumer.js';

export interface HubHandlerContext {
  readonly hub: StreamHub;
  /** Paths that local processes (exec:, ffmpeg:) publish to, claimed by their sources. */
  readonly claims: PublishClaims;
  /** `rtsp.default_query`: what a URL without a query asks for. */
  readonly defaultQuery: string;
  /** `rtsp.pkt_size`: largest RTP packet for readers; `?pkt_size=` overrides it per client. */
  readonly packetSize: number | undefined;
  readonly log: Logger;
}

/**
 * One RTSP server session's decisions, made with the stream hub: DESCRIBE attaches a reader to the stream
 * (negotiating `?video&audio`), ANNOUNCE hands a publisher to the exec:/ffmpeg: source that claimed the path,
 * or else to the stream of that name. The protocol around it is pkg/rtsp's ServerSession.
 */
export class HubSessionHandler implements ServerSessionHandler {
  private reader: RtspReaderConsumer | undefined;
  private publisher: RtspPublisher | undefined;
  private streamName = '';
  private closed = false;

  constructor(
    private readonly conn: RtspConnection,
    private readonly ctx: HubHandlerContext,
  ) {}

  async describe(request: DescribeRequest): Promise<SessionReader> {
    try {
      return await this.read(request);
    } catch (err) {
      throw refusal(err);
    }
  }

  announce(request: AnnounceRequest): SessionPublisher {
    try {
      return this.publish(request);
    } catch (err) {
      throw refusal(err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const reader = this.reader;
    this.reader = undefined;
    if (reader) await reader.stop();
    const publisher = this.publisher;
    this.publisher = undefined;
    if (publisher) await publisher.stop();
    this.ctx.log.debug({ stream: this.streamName }, 'rtsp: session closed');
  }

  private async read({ request, path, query, backchannel }: DescribeRequest): Promise<RtspReaderConsumer> {
    const stream = this.ctx.hub.get(path);
    if (!stream) throw new RtspRequestError(404, `stream not found: ${path}`);
    const wanted = readerMedias(query.toString() ? query : new URLSearchParams(this.ctx.defaultQuery));
    if (backchannel) wanted.push(backchannelMedia());
    const pktSize = Number(query.get('pkt_size') ?? this.ctx.packetSize ?? 0);
    const reader = new RtspReaderConsumer(
      this.conn,
      wanted,
      this.ctx.log,
      request.headers.get('User-Agent'),
      pktSize > 0 ? pktSize : undefined,
    );
    // Held before negotiating, which waits for the sources to start: a client that hangs up meanwhile (ffmpeg
    // gives up on a slow DESCRIBE) closes the session, and close() must stop this reader, or the stream
    // keeps listing a consumer nobody will ever end.
    this.reader = reader;
    this.streamName = path;
    try {
      await stream.addConsumer(reader);
    } catch (err) {
      // Nothing was attached (or the hub stopped it): the connection stays for the error answer.
      if (this.reader === reader) this.reader = undefined;
      throw err;
    }
    if (this.closed) {
      await reader.stop();
      throw new RtspRequestError(499, 'client closed during DESCRIBE');
    }
    return reader;
  }

  private publish({ request, path, sdp, tracks }: AnnounceRequest): RtspPublisher {
    const publisher = new RtspPublisher(this.conn, tracks, sdp, this.ctx.log, request.headers.get('User-Agent'));
    // A process we started (exec:/ffmpeg: `{output}`) publishing to the path it was given.
    if (this.ctx.claims.take(path, publisher, this.conn.socket.remoteAddress ?? '')) {
      this.publisher = publisher;
      this.streamName = path;
      return publisher;
    }
    // As go2rtc: publishing needs a stream that exists (e.g. `name:` with no sources in the config), so a
    // stranger cannot create streams.
    const stream = this.ctx.hub.get(path);
    if (!stream) throw new RtspRequestError(404, `stream not found: ${path}`);
    stream.addPublisher(publisher, `rtsp://${this.conn.remoteAddr}/${path}`);
    this.publisher = publisher;
    this.streamName = path;
    return publisher;
  }
}

/** The hub's failures as RTSP statuses: no such stream or codec 404, no source could start 503. */
function refusal(err: unknown): unknown {
  if (err instanceof Ts2rtcError && !(err instanceof RtspRequestError)) {
    if (err.code === 'STREAM_NOT_FOUND' || err.code === 'CODEC_MISMATCH')
      return new RtspRequestError(404, err.message, { cause: err });
    if (err.code === 'SOURCE_FAILED') return new RtspRequestError(503, err.message, { cause: err });
  }
  return err;
}
