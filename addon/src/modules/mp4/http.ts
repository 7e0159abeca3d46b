import type { App } from '../../app.js';
import { CoreError } from '../../core/errors.js';
import type { Media } from '../../core/media.js';
import type { InitOptions } from '../../pkg/mp4/index.js';
import { queryParams, type ApiContext } from '../api/index.js';
import { defaultMedias, parseMp4Query } from './codecs.js';
import { FragmentConsumer, type FragmentConsumerOptions } from './consumer.js';
import { KeyframeConsumer } from './keyframe.js';
import type { SessionRegistry } from './registry.js';
import { HttpTransport, type HttpTransportLimits } from './transports.js';

/** A progressive MP4 download (`/api/stream.mp4`, go2rtc's format name `mp4`). */
export class Mp4StreamConsumer extends FragmentConsumer {
  constructor(
    ctx: ApiContext,
    medias: readonly Media[],
    registry: SessionRegistry,
    limits: HttpTransportLimits | undefined,
    options?: FragmentConsumerOptions,
  ) {
    super(
      { formatName: 'mp4', protocol: 'http', remoteAddr: remoteAddr(ctx), userAgent: ctx.get('User-Agent') },
      medias,
      registry,
      new HttpTransport(ctx.res, limits),
      options,
    );
  }
}

function remoteAddr(ctx: ApiContext): string {
  const socket = ctx.req.socket;
  return `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
}

/** go2rtc's Content-Disposition for `filename=` (quotes in the name would end the value early). */
function attachment(filename: string): string {
  return `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"`;
}

/** go2rtc's `core.Atoi`: the leading integer, 0 when there is none. */
function atoi(value: string | null): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

/** go2rtc's test, except that headless Chromium ("HeadlessChrome/", no " Chrome/") is not taken for Safari. */
function isSafari(userAgent: string): boolean {
  return userAgent.includes(' Safari/') && !userAgent.includes('Chrome/');
}

/** rotate and scale as go2rtc reads them; values its player ignores (rotate=45) are left out here too. */
function initOptions(query: URLSearchParams): InitOptions {
  const options: { rotate?: number; scaleX?: number; scaleY?: number } = {};
  const rotate = atoi(query.get('rotate'));
  if (rotate === 90 || rotate === 180 || rotate === 270) options.rotate = rotate;
  const scale = query.get('scale');
  if (scale) {
    const [x, y] = scale.split(':');
    const sx = atoi(x ?? null);
    const sy = atoi(y ?? null);
    if (sx > 0 && sy > 0) {
      options.scaleX = sx;
      options.scaleY = sy;
    }
  }
  return options;
}

export interface HttpHandlerOptions {
  readonly http?: HttpTransportLimits;
  readonly consumer?: FragmentConsumerOptions;
  readonly keyframeTimeoutMs: number;
  /** Whether `stream.m3u8` is served (the HLS module is on): only then is Safari sent there. */
  readonly hlsAvailable?: () => boolean;
}

/**
 * `/api/stream.mp4?src=…`: fragmented MP4 for as long as the client reads (or `duration` seconds), for VLC,
 * ffmpeg and `<video>`. Safari without `duration` is sent to the HLS playlist, as go2rtc does (it cannot
 * play a progressive fMP4 stream), when the HLS module serves it.
 */
export async function handleStreamMp4(
  app: App,
  registry: SessionRegistry,
  ctx: ApiContext,
  options: HttpHandlerOptions,
): Promise<void> {
  const query = queryParams(ctx);
  if (isSafari(ctx.get('User-Agent')) && !query.has('duration') && options.hlsAvailable?.()) {
    ctx.status = 301;
    ctx.redirect(`stream.m3u8?${ctx.querystring}${query.has('mp4') ? '' : '&mp4'}`);
    return;
  }
  const src = query.get('src');
  if (!src) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const stream = app.streams.getOrCreate(src, 'api', query.get('name') ?? undefined);
  const consumer = new Mp4StreamConsumer(ctx, parseMp4Query(query), registry, options.http, options.consumer);
  const closed = new Promise<void>((resolve) => consumer.onClose.once(() => resolve()));
  // The response closes when the client goes away (req's own 'close' only says the request was read).
  ctx.res.once('close', () => void consumer.stop());
  let mime: string;
  try {
    await stream.addConsumer(consumer);
    mime = await consumer.prepare();
  } catch (err) {
    await consumer.stop();
    throw err;
  }
  ctx.respond = false;
  const headers: Record<string, string> = { 'Content-Type': mime, 'Cache-Control': 'no-cache' };
  const filename = query.get('filename');
  if (filename) headers['Content-Disposition'] = attachment(filename);
  ctx.res.writeHead(200, headers);
  if (ctx.method === 'HEAD') {
    ctx.res.end();
    await consumer.stop();
    return;
  }
  const seconds = atoi(query.get('duration'));
  const timer = seconds > 0 ? setTimeout(() => void consumer.stop(), seconds * 1000) : undefined;
  consumer.begin(initOptions(query));
  await closed;
  if (timer) clearTimeout(timer);
}

/**
 * `/api/frame.mp4?src=…`: the last (or next) key frame as a one-frame MP4, with its length, as go2rtc
 * sends it to Telegram. Chrome first asks without a Range header and only plays the answer to its second
 * request, so, like go2rtc, the first one gets an empty 200.
 */
export async function handleFrameMp4(app: App, ctx: ApiContext, options: HttpHandlerOptions): Promise<void> {
  if (ctx.get('User-Agent').includes(' Chrome/') && ctx.get('Range') === '') {
    ctx.status = 200;
    ctx.type = 'video/mp4';
    ctx.body = '';
    return;
  }
  const query = queryParams(ctx);
  const stream = app.streams.get(query.get('src') ?? '');
  if (!stream) throw new CoreError('STREAM_NOT_FOUND', 'stream not found');
  const consumer = new KeyframeConsumer(
    { formatName: 'mp4', protocol: 'http', remoteAddr: remoteAddr(ctx), userAgent: ctx.get('User-Agent') },
    defaultMedias(false),
  );
  try {
    await stream.addConsumer(consumer);
    await consumer.firstFrame(options.keyframeTimeoutMs);
  } finally {
    await consumer.stop();
  }
  const file = consumer.first;
  if (!file) throw new CoreError('SOURCE_FAILED', 'mp4: no key frame');
  ctx.status = 200;
  ctx.set('Content-Type', file.mime);
  ctx.length = file.data.length;
  const filename = query.get('filename');
  if (filename) ctx.set('Content-Disposition', attachment(filename));
  ctx.body = file.data;
}
