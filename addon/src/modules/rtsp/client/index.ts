import type { App } from '../../../app.js';
import { errorMessage } from '../../../core/errors.js';
import type { SourceHandler } from '../../streams/hub.js';
import { maskUrl, parseRtspSourceOptions } from './options.js';
import { RtspProducer } from './producer.js';

export { RtspProducer } from './producer.js';
export { RtspClient, type RtspClientOptions, type DescribeAnswer } from '../../../pkg/rtsp/client/client.js';
export {
  parseRtspSourceOptions,
  backchannelEnabled,
  keepaliveIntervalMs,
  maskUrl,
  DEFAULT_TIMEOUT_MS,
  type RtspSourceOptions,
  type RtspTransportMode,
} from './options.js';

/**
 * Registers the RTSP client as the source of `rtsp://`, `rtsps://` and go2rtc's `rtspx://` (RTSPS without
 * certificate checks; every rtsps:// here skips them, since cameras present self-signed certificates).
 * Options: `#transport=udp`, `#backchannel=0|1`, `#media=video|audio`, `#timeout=<s>` (go2rtc's names).
 */
export function registerRtspSource(app: App): void {
  const log = app.logger('rtsp');
  const userAgent = `ts2rtc/${app.version}`;
  const handler: SourceHandler = async (url, context) => {
    const options = parseRtspSourceOptions(url);
    const sourceLog = log.child({ stream: context.stream });
    try {
      return await RtspProducer.open({ options, userAgent, log: sourceLog });
    } catch (err) {
      // The hub records the error on the stream; the log is where a user looks when the camera is silent.
      sourceLog.warn({ url: maskUrl(options.url), err: errorMessage(err) }, 'rtsp: source failed to open');
      throw err;
    }
  };
  for (const scheme of ['rtsp', 'rtsps', 'rtspx']) app.streams.registerSource(scheme, handler);
}
