import type { App } from '../../app.js';
import { errorMessage } from '../../core/errors.js';
import type { SourceHandler } from '../streams/hub.js';
import { DEFAULT_API_BASE, cameraId, fetchLiveStream } from './api.js';
import { IvideonProducer } from './producer.js';

export { IvideonError, type IvideonErrorCode } from './errors.js';
export { DEFAULT_API_BASE, cameraId, liveStreamUrl, readLiveStreamAnswer } from './api.js';
export { parseFragment, parseInitSegment, type FragmentSample, type FragmentedTrack } from './fmp4.js';
export { IvideonProducer, parseStreamMessage } from './producer.js';

export interface IvideonOptions {
  /** The API base URL; defaults to `TS2RTC_IVIDEON_API` or go2rtc's `https://openapi-alpha.ivideon.com`. */
  readonly apiBase?: string;
}

/**
 * "Source: Ivideon": `ivideon:<server>/<camera>` plays a public Ivideon camera: the live_stream API call with
 * the public token, then its WebSocket fMP4 stream, demuxed with pkg/mp4's box readers. A network source: any
 * origin may use it (it only connects to Ivideon).
 */
export function registerIvideonSource(app: App, options: IvideonOptions = {}): void {
  const log = app.logger('ivideon');
  const handler: SourceHandler = async (url, context) => {
    const id = cameraId(url.rest);
    const base = options.apiBase ?? (process.env['TS2RTC_IVIDEON_API'] || DEFAULT_API_BASE);
    try {
      const live = await fetchLiveStream(base, id);
      return await IvideonProducer.open(live, url.base);
    } catch (err) {
      log.warn({ stream: context.stream, camera: id, err: errorMessage(err) }, 'ivideon: source failed to open');
      throw err;
    }
  };
  app.streams.registerSource('ivideon', handler);
}
