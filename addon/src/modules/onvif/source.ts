import type { App } from '../../app.js';
import { maskCredentials } from '../../core/creds.js';
import { errorMessage } from '../../core/errors.js';
import type { Producer } from '../../core/producer.js';
import { OnvifError } from '../../pkg/onvif/index.js';
import type { SourceContext, SourceHandler } from '../streams/hub.js';
import type { SourceUrl } from '../streams/source-url.js';
import { OnvifClient, parseOnvifUrl, type OnvifTarget } from './client.js';

/** What a device's GetStreamUri may hand us: a camera stream, never a scheme that reads files or runs things. */
const STREAM_SCHEMES = new Set(['rtsp:', 'rtsps:']);

/**
 * The camera's stream URI with the camera's credentials: devices answer without userinfo and expect the
 * ONVIF user for RTSP too (go2rtc adds it the same way). A URI that carries its own is kept as is.
 */
export function withCredentials(uri: string, target: OnvifTarget): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new OnvifError(
      'ONVIF_NO_URI',
      `GetStreamUri answered a URI that does not parse: ${maskCredentials(uri).slice(0, 200)}`,
    );
  }
  if (!STREAM_SCHEMES.has(url.protocol)) {
    throw new OnvifError(
      'ONVIF_URI_UNSUPPORTED',
      `GetStreamUri answered ${url.protocol}//…; only rtsp:// and rtsps:// are played`,
    );
  }
  if (url.username === '' && target.username !== '') {
    url.username = encodeURIComponent(target.username);
    url.password = encodeURIComponent(target.password);
  }
  // A `#` in the device's answer would be read as source options (`#backchannel=1`…): those are the config's.
  url.hash = '';
  return url.href;
}

/**
 * `onvif://user:pass@host[:port][/path][?subtype=N|token][#options]` (go2rtc's source): ask the device where
 * the profile's stream is, then open that URI with the RTSP client, the `#options` passed on
 * (`#backchannel=1`, `#transport=udp`...). The URI opens with origin `device` (or the onvif: URL's own when that
 * is lower): only rtsp:// and rtsps:// are accepted from the device anyway.
 */
export function onvifSourceHandler(app: App): SourceHandler {
  const log = app.logger('onvif');
  return async (url: SourceUrl, context: SourceContext): Promise<Producer> => {
    const target = parseOnvifUrl(url.base);
    let uri: string;
    try {
      const client = await OnvifClient.connect(target);
      uri = withCredentials(await client.streamUri(), target);
    } catch (err) {
      log.warn(
        { stream: context.stream, url: maskCredentials(url.base), err: errorMessage(err) },
        'onvif: no stream URI',
      );
      throw err;
    }
    const options = url.raw.indexOf('#') >= 0 ? url.raw.slice(url.raw.indexOf('#')) : '';
    log.debug({ stream: context.stream, uri: maskCredentials(uri) }, 'onvif: stream URI');
    // The device chose this URI, not the config author: it opens as a device's URL (never exec:, never a
    // local file through ffmpeg:, whatever a later change lets GetStreamUri answer).
    return context.openSource(uri + options, 'device');
  };
}
