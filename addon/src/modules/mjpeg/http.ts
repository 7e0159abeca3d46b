import type { App } from '../../app.js';
import { CoreError } from '../../core/errors.js';
import type { ConnectionDescription } from '../../core/connection.js';
import { parseSnapshotQuery } from '../../pkg/ffmpeg/index.js';
import { MJPEG_CONTENT_TYPE } from '../../pkg/mjpeg/index.js';
import { ApiError, queryParams, type ApiContext, type WsConnection } from '../api/index.js';
import { MjpegConsumer } from './consumer.js';
import type { Snapshots } from './snapshot.js';
import type { TranscoderRegistry } from './transcoder.js';
import { MultipartTransport, WsJpegTransport } from './transports.js';

function httpDescription(ctx: ApiContext): ConnectionDescription {
  const socket = ctx.req.socket;
  return {
    formatName: 'mjpeg',
    protocol: 'http',
    remoteAddr: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`,
    userAgent: ctx.get('User-Agent'),
  };
}

/** Go's `time.ParseDuration` for the forms `cache=` takes (`500ms`, `5s`, `1m`, `1.5s`); undefined otherwise. */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    matched += m[0].length;
  }
  return matched > 0 && matched === text.length ? total : undefined;
}

/**
 * `GET /api/frame.jpeg?src=…` (go2rtc's GetOrPatch: a name, or a URL that becomes a stream): the latest key
 * frame as a JPEG with go2rtc's headers; `width`/`w`, `height`/`h`, `rotate` change H264/H265 pictures;
 * `cache=5s` answers with the previous picture of this `src` while it is younger than that.
 */
export async function handleFrameJpeg(app: App, snapshots: Snapshots, ctx: ApiContext): Promise<void> {
  const query = queryParams(ctx);
  const src = query.get('src');
  if (!src) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const cacheMs = parseGoDuration(query.get('cache') ?? '');
  let jpeg = cacheMs !== undefined ? snapshots.cached(src, cacheMs) : undefined;
  if (!jpeg) {
    const stream = app.streams.getOrCreate(src, 'api', query.get('name') ?? undefined);
    jpeg = await snapshots.take(stream, parseSnapshotQuery(query), httpDescription(ctx));
    if (cacheMs !== undefined) snapshots.remember(src, jpeg);
  }
  ctx.status = 200;
  ctx.set('Content-Type', 'image/jpeg');
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('Connection', 'close');
  ctx.set('Pragma', 'no-cache');
  ctx.length = jpeg.length;
  ctx.body = jpeg;
}

/**
 * `GET /api/stream.mjpeg?src=<name>`: multipart JPEG for as long as the client reads. As in go2rtc the stream
 * must exist (no URL streams here). POST (MJPEG ingest) is not implemented.
 */
export async function handleStreamMjpeg(app: App, registry: TranscoderRegistry, ctx: ApiContext): Promise<void> {
  if (ctx.method === 'POST')
    throw new ApiError(501, 'NOT_IMPLEMENTED', 'mjpeg: MJPEG ingest (POST) is not implemented');
  const stream = app.streams.get(queryParams(ctx).get('src') ?? '');
  if (!stream) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const consumer = new MjpegConsumer(httpDescription(ctx), new MultipartTransport(ctx.res), registry);
  const closed = new Promise<void>((resolve) => consumer.onClose.once(() => resolve()));
  ctx.res.once('close', () => void consumer.stop());
  try {
    await stream.addConsumer(consumer);
  } catch (err) {
    await consumer.stop();
    throw err;
  }
  ctx.respond = false;
  ctx.res.writeHead(200, {
    'Content-Type': MJPEG_CONTENT_TYPE,
    'Cache-Control': 'no-cache',
    Connection: 'close',
    Pragma: 'no-cache',
  });
  if (ctx.method === 'HEAD') {
    await consumer.stop();
    return;
  }
  consumer.begin();
  await closed;
}

/** The `mjpeg` WebSocket mode: answers `{"type":"mjpeg"}`, then sends every JPEG as a binary message. */
export async function handleWsMjpeg(app: App, registry: TranscoderRegistry, connection: WsConnection): Promise<void> {
  const src = connection.query.get('src');
  if (!src) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const stream = app.streams.getOrCreate(src, 'ws', connection.query.get('name') ?? undefined);
  const consumer = new MjpegConsumer(
    { formatName: 'mjpeg', protocol: 'ws', remoteAddr: connection.remoteAddr, userAgent: connection.userAgent },
    new WsJpegTransport(connection),
    registry,
  );
  connection.onClose.once(() => stream.removeConsumer(consumer));
  await stream.addConsumer(consumer);
  connection.send({ type: 'mjpeg' });
  consumer.begin();
}
