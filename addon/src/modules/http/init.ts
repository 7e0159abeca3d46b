import type { App, Module } from '../../app.js';
import { lazy } from '../../core/lazy.js';
import type { SourceHandler } from '../streams/hub.js';

/** Timings the config file does not carry (tests shorten them). */
export interface HttpModuleOptions {
  /** An MJPEG body that sends nothing for this long is a hung camera. Defaults to 10 s. */
  mjpegStallMs?: number;
}

/**
 * "Source: HTTP": `http://`, `https://` and `httpx://` (TLS without certificate checks). A network source: any
 * origin may use it, since it only connects (the formats ffmpeg reads go through the `ffmpeg:` source and its
 * network-only rules).
 */
export function init(app: App): undefined {
  // The HTTP client and the MJPEG/JPEG/MPEG-TS/FLV producers load with the first http(s):// play, not at start.
  const source = lazy(async () => (await import('./source.js')).httpSourceHandler(app));
  const handler: SourceHandler = async (url, context) => (await source())(url, context);
  for (const scheme of ['http', 'https', 'httpx']) app.streams.registerSource(scheme, handler);
  return undefined;
}

export const http: Module<'http'> = { name: 'http', init };
