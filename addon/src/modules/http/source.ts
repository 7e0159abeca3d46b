import type { App } from '../../app.js';
import type { ConnectionDescription } from '../../core/connection.js';
import { maskCredentials } from '../../core/creds.js';
import type { Producer } from '../../core/producer.js';
import type { SourceContext, SourceHandler } from '../streams/hub.js';
import { sourceOptions, type SourceUrl } from '../streams/source-url.js';
import { HttpSourceError } from './errors.js';
import { MAGIC_BYTES, detectHttpFormat } from './format.js';
import { JpegPollProducer, MAX_SNAPSHOT_BYTES } from './jpeg-producer.js';
import { MjpegHttpProducer } from './mjpeg-producer.js';
import { HttpSession, openHttp, readAll, readHead, type HttpTarget } from './request.js';

/** How long the body may take to show its first bytes when the Content-Type did not tell the format. */
const HEAD_TIMEOUT_MS = 5000;

/** The request a source URL stands for: `httpx:` is https without certificate checks, `#header=K: V` adds headers. */
export function httpTarget(url: SourceUrl): HttpTarget {
  const insecure = url.scheme === 'httpx';
  let parsed: URL;
  try {
    parsed = new URL(insecure ? `https:${url.rest}` : url.base);
  } catch {
    throw new HttpSourceError('HTTP_CONNECT', `not a valid URL: ${maskCredentials(url.base).slice(0, 200)}`);
  }
  const headers: Array<readonly [string, string]> = [];
  for (const header of sourceOptions(url, 'header')) {
    const colon = header.indexOf(':');
    const key = (colon < 0 ? header : header.slice(0, colon)).trim();
    // Header names are tokens; a value with a line break would be a second header (the library refuses it too).
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) continue;
    const value = colon < 0 ? '' : header.slice(colon + 1).trim();
    if (/[\r\n\u0000]/.test(value)) continue;
    headers.push([key, value]);
  }
  return { url: parsed, verifyTls: !insecure, headers, session: new HttpSession() };
}

function describe(url: SourceUrl, target: HttpTarget, formatName: string): ConnectionDescription {
  return { formatName, protocol: 'http', remoteAddr: target.url.host, url: maskCredentials(url.base) };
}

/**
 * `http:`, `https:`, `httpx:` (go2rtc's `internal/http`): the answer's Content-Type decides, then its first
 * bytes. JPEG snapshots and MJPEG are read here; HLS, FLV, MPEG-TS and MP4 are handed to the `ffmpeg:` source
 * (copying the codecs, publishing into our RTSP server), which reads them with the network-only protocol list
 * when the URL came from the network. Nothing here runs a command from the URL's text.
 */
export function httpSourceHandler(app: App): SourceHandler {
  const log = app.logger('http');
  const fullProbe = new FullProbeUrls();
  return async (url: SourceUrl, context: SourceContext): Promise<Producer> => {
    const target = httpTarget(url);
    const opened = await openHttp(target);
    let handedOver = false;
    try {
      const contentType = opened.response.headers['content-type'];
      let format = detectHttpFormat(contentType, opened.url.pathname, Buffer.alloc(0));
      let head: Buffer = Buffer.alloc(0);
      if (format === undefined || format === 'mpegts' || format === 'flv' || format === 'mp4') {
        head = await readHead(opened.response, MAGIC_BYTES, HEAD_TIMEOUT_MS);
        format = detectHttpFormat(contentType, opened.url.pathname, head);
      }
      switch (format) {
        case 'mjpeg':
          handedOver = true;
          return new MjpegHttpProducer(opened, describe(url, target, 'mjpeg'), head, app.tuning.http?.mjpegStallMs);
        case 'jpeg': {
          const rest = await readAll(opened.response, MAX_SNAPSHOT_BYTES - head.length);
          const image = Buffer.concat([head, rest]);
          if (image.length < 2 || image[0] !== 0xff || image[1] !== 0xd8) {
            throw new HttpSourceError(
              'HTTP_FORMAT_UNSUPPORTED',
              `Content-Type ${contentType ?? '(none)'} but the body starts with ${image.subarray(0, 4).toString('hex')}`,
            );
          }
          return new JpegPollProducer({ ...target, url: opened.url }, describe(url, target, 'jpeg'), image);
        }
        case 'hls':
        case 'flv':
        case 'mpegts':
        case 'mp4':
          return await viaFfmpeg(url, target, format, context, log, fullProbe);
        default:
          throw new HttpSourceError(
            'HTTP_FORMAT_UNSUPPORTED',
            `Content-Type ${contentType ?? '(none)'}, body starts with ${head.subarray(0, 8).toString('hex') || '(nothing)'}: not JPEG, MJPEG, HLS, FLV, MPEG-TS or MP4`,
          );
      }
    } finally {
      if (!handedOver) opened.close();
    }
  };
}

type HandOffFormat = 'hls' | 'flv' | 'mpegts' | 'mp4';

/**
 * The `ffmpeg:` URL a format without a native reader is handed over as. MPEG-TS (raw or in HLS segments)
 * carries AAC as ADTS, whose config the RTSP output needs up front and ffmpeg cannot copy ("AAC with no global
 * headers"): its audio is encoded to AAC again (the RTSP server cannot carry MPEG-TS's other audio codecs
 * either); video is copied. FLV and MP4 hold the AAC config and are copied whole. Live MPEG-TS and FLV are
 * read with short probing (`http/live`) unless `fullProbe`. HLS keeps the `http` template: its segments come
 * faster than real time, so probing costs little, and its `nobuffer` start keeps MSE players smooth (measured:
 * with `http/live` Chromium played ~16 of 25 frames a second).
 */
export function ffmpegHandOff(input: string, format: HandOffFormat, fullProbe = false): string {
  const probe = fullProbe ? '' : '#input=http/live';
  switch (format) {
    case 'hls':
      return `ffmpeg:${input}#video=copy#audio=aac`;
    case 'mpegts':
      return `ffmpeg:${input}${probe}#video=copy#audio=aac`;
    case 'flv':
      return `ffmpeg:${input}${probe}`;
    case 'mp4':
      return `ffmpeg:${input}`;
  }
}

/**
 * ffmpeg's RTSP output refuses a track whose parameters the probing did not find: a live stream joined long
 * before its next key frame (the SPS) under the short probing. Such a URL is read with ffmpeg's full probing.
 */
const LATE_PARAMETERS = /dimensions not set|sample rate not set/;

/** URLs that needed the full probing, remembered (a few hundred at most) so their next opens go straight to it. */
class FullProbeUrls {
  private readonly urls = new Set<string>();
  has(url: string): boolean {
    return this.urls.has(url);
  }
  add(url: string): void {
    if (this.urls.size >= 256) this.urls.delete(this.urls.values().next().value ?? '');
    this.urls.add(url);
  }
}

async function viaFfmpeg(
  url: SourceUrl,
  target: HttpTarget,
  format: HandOffFormat,
  context: SourceContext,
  log: ReturnType<App['logger']>,
  fullProbe: FullProbeUrls,
): Promise<Producer> {
  if (target.headers.length > 0)
    log.warn({ stream: context.stream, format }, 'http: #header= is not passed to ffmpeg; the request goes without it');
  // ffmpeg checks no certificate unless told to (tls_verify defaults to 0), which is what httpx: asks for; an
  // https: URL is read the same way, as go2rtc's ffmpeg source does.
  const input = url.scheme === 'httpx' ? `https:${url.rest}` : url.base;
  if (format === 'mp4' || format === 'hls' || fullProbe.has(url.raw))
    return context.openSource(ffmpegHandOff(input, format, true));
  try {
    return await context.openSource(ffmpegHandOff(input, format));
  } catch (err) {
    if (!(err instanceof Error) || !LATE_PARAMETERS.test(err.message)) throw err;
    log.info(
      { stream: context.stream, format },
      'http: codec parameters come later than the short probing; reading with full probing',
    );
    fullProbe.add(url.raw);
    return context.openSource(ffmpegHandOff(input, format, true));
  }
}
