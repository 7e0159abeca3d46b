import type { App, Module } from '../../app.js';
import { errorMessage } from '../../core/errors.js';
import { lazy } from '../../core/lazy.js';
import type { SourceHandler } from '../streams/hub.js';

// The API client, the fMP4 demuxer and `ws` load with the first ivideon: play, not at start.
const api = lazy(() => import('./api.js'));
const producer = lazy(() => import('./producer.js'));

export interface IvideonOptions {
  /** The API base URL; defaults to `TS2RTC_IVIDEON_API` or go2rtc's `https://openapi-alpha.ivideon.com`. */
  readonly apiBase?: string;
}

/**
 * "Source: Ivideon": `ivideon:<server>/<camera>` plays a public Ivideon camera: the live_stream API call with
 * the public token, then its WebSocket fMP4 stream, demuxed with pkg/mp4's box readers. A network source: any
 * origin may use it (it only connects to Ivideon).
 */
export function init(app: App): undefined {
  const options: IvideonOptions = app.tuning.ivideon ?? {};
  const log = app.logger('ivideon');
  const handler: SourceHandler = async (url, context) => {
    const { cameraId, DEFAULT_API_BASE, fetchLiveStream } = await api();
    const id = cameraId(url.rest);
    const base = options.apiBase ?? (process.env['TS2RTC_IVIDEON_API'] || DEFAULT_API_BASE);
    try {
      const live = await fetchLiveStream(base, id);
      const { IvideonProducer } = await producer();
      return await IvideonProducer.open(live, url.base);
    } catch (err) {
      log.warn({ stream: context.stream, camera: id, err: errorMessage(err) }, 'ivideon: source failed to open');
      throw err;
    }
  };
  app.streams.registerSource('ivideon', handler);
  return undefined;
}

export const ivideon: Module<'ivideon'> = { name: 'ivideon', init };
