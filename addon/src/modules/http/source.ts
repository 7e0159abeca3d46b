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
          return new MjpegHttpProducer(opened, describe(url, target, 'mjpeg'), head);
        case 'jpeg': {
          const rest = await readAll(opened.response, MAX_SNAPSHOT_BYTES - head.length);
          const image = Buffer.concat([head, rest]);
          if (image.length < 2 || image[0] !== 0xff || image[1] !== 0xd8) {
            throw new HttpSourceError('HTTP_FORMAT_UNSUPPORTED', `Content-Type ${contentType ?? '(none)'} but the body starts with ${image.subarray(0, 4).toString('hex')}`);
          }
          return new JpegPollProducer({ ...target, url: opened.url }, describe(url, target, 'jpeg'), image);
        }
        case 'hls':
        case 'flv':
        case 'mpegts':
        case 'mp4':
          return await viaFfmpeg(url, target, format, context, log);
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

async function viaFfmpeg(url: SourceUrl, target: HttpTarget, format: string, context: SourceContext, log: ReturnType<App['logger']>): Promise<Producer> {
  if (target.headers.length > 0) log.warn({ stream: context.stream, format }, 'http: #header= is not passed to ffmpeg; the request goes without it');
  // ffmpeg checks no certificate unless told to (tls_verify defaults to 0), which is what httpx: asks for; an
  // https: URL is read the same way, as go2rtc's ffmpeg source does.
  const input = url.scheme === 'httpx' ? `https:${url.rest}` : url.base;
  return context.openSource(`ffmpeg:${input}`);
}
