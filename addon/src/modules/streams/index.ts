import type { App, Module } from '../../app.js';
import { errorMessage } from '../../core/errors.js';

export { StreamHub } from './hub.js';
export type { SourceContext, SourceHandler, SourceHandlerOptions } from './hub.js';
export { parseSourceUrl, sourceOption, sourceOptions } from './source-url.js';
export type { SourceOrigin, SourceUrl } from './source-url.js';

/**
 * Creates the streams of the config. Runs after every source module registered its scheme, so a scheme this
 * build does not know is reported on the stream instead of silently dropped. A stream with no sources waits
 * for something to publish into it.
 */
export function init(app: App): undefined {
  const log = app.logger('streams');
  for (const [name, urls] of Object.entries(app.config.streams)) {
    try {
      // `name: ""` (or an empty list item) is how go2rtc configs declare a stream that waits for a publisher.
      app.streams.set(
        name,
        urls.filter((url) => url !== ''),
        'config',
      );
    } catch (err) {
      log.error({ stream: name, err: errorMessage(err) }, 'invalid stream in config');
    }
  }
  app.onStop(() => app.streams.stop());
  return undefined;
}

export const streams: Module<'streams'> = { name: 'streams', init };
