import type { App } from '../../app.js';
import { httpSourceHandler } from './source.js';

export { HttpSourceError, type HttpSourceErrorCode } from './errors.js';
export { detectHttpFormat, detectMagic, type HttpFormat } from './format.js';
export { httpTarget } from './source.js';

/**
 * "Source: HTTP": `http://`, `https://` and `httpx://` (TLS without certificate checks). A network source: any
 * origin may use it, since it only connects (the formats ffmpeg reads go through the `ffmpeg:` source and its
 * network-only rules).
 */
export function init(app: App): void {
  const handler = httpSourceHandler(app);
  for (const scheme of ['http', 'https', 'httpx']) app.streams.registerSource(scheme, handler);
}
