import type { ServerResponse } from 'node:http';
import type { App } from '../../app.js';
import type { Codec } from '../../core/codec.js';
import { ConsumerBase } from '../../core/consumer.js';
import { CoreError } from '../../core/errors.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import type { Receiver } from '../../core/track.js';
import { buildFlvHeader, buildFlvTag, type FlvTag } from '../../pkg/flv/index.js';
import { queryParams, type ApiContext } from '../api/index.js';
import { DEFAULT_RESPONSE_LIMITS, ResponseWriter, type ResponseLimits } from '../api/response-writer.js';
import { FlvProducer } from './flv-producer.js';
import { FlvStreamWriter, PLAYER_MEDIAS, type FlvTrack } from './flv-writer.js';
import { DEFAULT_TIMEOUT_MS } from './producer.js';

/**
 * An HTTP-FLV client (`GET /api/stream.flv?src=…`, go2rtc's format name `flv`): the RTMP player's tags in an
 * FLV file that never ends. For ffmpeg, VLC and flv.js players. Written through the API's ResponseWriter, as
 * MP4 and MJPEG are: a client that stops reading is dropped after the write deadline or past the buffer cap,
 * instead of holding its socket and the stream for as long as it stays connected.
 */
export class FlvHttpConsumer extends ConsumerBase {
  private readonly writer = new FlvStreamWriter();
  private readonly out: ResponseWriter;

  constructor(
    private readonly res: ServerResponse,
    remoteAddr: string,
    userAgent: string,
    limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
  ) {
    super({ formatName: 'flv', protocol: 'http', remoteAddr, ...(userAgent ? { userAgent } : {}) }, PLAYER_MEDIAS);
    this.out = new ResponseWriter(res, limits);
    this.out.onDrain(() => {
      for (const { sender } of this.senders) sender.resume();
    });
    res.once('close', () => void this.close());
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    const track = this.writer.addTrack(media.kind, codec);
    this.attach(media, codec, receiver, (packet) => this.send(track, packet), { startPaused: true });
  }

  /** After the response head: the FLV header, the metadata, then the queued frames. */
  begin(): void {
    this.write(
      Buffer.concat([buildFlvHeader(this.writer.hasVideo, this.writer.hasAudio), buildFlvTag(this.writer.begin())]),
    );
    for (const { sender } of this.senders) sender.resume();
  }

  private send(track: FlvTrack, packet: Packet): boolean {
    const tags: FlvTag[] = this.writer.tags(track, packet);
    if (tags.length === 0) return true;
    return this.write(Buffer.concat(tags.map(buildFlvTag)));
  }

  private write(bytes: Buffer): boolean {
    if (this.res.destroyed) return true;
    this.bytesSend += bytes.length;
    return this.out.write([bytes]);
  }

  protected async release(): Promise<void> {
    this.out.close();
  }
}

/** `GET /api/stream.flv?src=<name or URL>[&name=]`: as go2rtc, a URL becomes a stream on the fly. */
export async function handleStreamFlv(app: App, ctx: ApiContext): Promise<void> {
  const query = queryParams(ctx);
  const src = query.get('src');
  if (!src) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const stream = app.streams.getOrCreate(src, 'api', query.get('name') ?? undefined);
  const socket = ctx.req.socket;
  const consumer = new FlvHttpConsumer(
    ctx.res,
    `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`,
    ctx.get('User-Agent'),
  );
  const closed = new Promise<void>((resolve) => consumer.onClose.once(() => resolve()));
  try {
    await stream.addConsumer(consumer);
  } catch (err) {
    await consumer.stop();
    throw err;
  }
  ctx.respond = false;
  ctx.res.writeHead(200, { 'Content-Type': 'video/x-flv', 'Cache-Control': 'no-cache' });
  if (ctx.method === 'HEAD') {
    await consumer.stop();
    return;
  }
  consumer.begin();
  await closed;
}

/**
 * `POST /api/stream.flv?dst=<name>`: the request body is a live FLV stream (ffmpeg `-f flv -method POST`)
 * published into an existing stream for as long as it lasts, as go2rtc does. Answers 200 when it ends.
 */
export async function handlePostFlv(app: App, ctx: ApiContext): Promise<void> {
  const name = queryParams(ctx).get('dst') ?? '';
  const stream = app.streams.get(name);
  if (!stream) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const socket = ctx.req.socket;
  const remoteAddr = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
  const producer = await FlvProducer.open(ctx.req, {
    description: { formatName: 'flv', protocol: 'http', remoteAddr, userAgent: ctx.get('User-Agent') },
    where: `POST /api/stream.flv from ${remoteAddr}`,
    timeoutMs: DEFAULT_TIMEOUT_MS,
  });
  const ended = new Promise<void>((resolve) => producer.onClose.once(() => resolve()));
  stream.addPublisher(producer, `http://${remoteAddr}/api/stream.flv`);
  await ended;
  ctx.status = 200;
  ctx.body = '';
}
