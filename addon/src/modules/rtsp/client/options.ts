import { maskCredentials } from '../../../core/creds.js';
import type { RtspTransportMode } from '../../../pkg/rtsp/client/client.js';
import { type SourceUrl, sourceOption } from '../../streams/source-url.js';
import { RtspModuleError, type RtspModuleErrorCode } from '../errors.js';

// The protocol's own pieces, named here too because client/index.ts exports this file's names as one set.
export type { RtspTransportMode } from '../../../pkg/rtsp/client/client.js';
export { keepaliveIntervalMs } from '../../../pkg/rtsp/client/keepalive.js';

/** What a source URL's `#key=value` options ask of the RTSP client, with go2rtc's names and defaults. */
export interface RtspSourceOptions {
  /** `rtsp://` or `rtsps://` without the `#` options (`rtspx://` becomes `rtsps://`). May carry userinfo. */
  readonly url: string;
  /** `#transport=udp`; defaults to tcp. */
  readonly transport: RtspTransportMode;
  /** DESCRIBE with `Require: www.onvif.org/ver20/backchannel` (see backchannelEnabled). */
  readonly backchannel: boolean;
  /** `#media=video`: only medias whose kind the value contains (go2rtc's substring test). Undefined = all. */
  readonly media?: string;
  /**
   * `#timeout=N` seconds: the connect and request timeout and the time without media before the source is
   * declared dead. Undefined = the defaults (5 s each, as go2rtc).
   */
  readonly timeoutS?: number;
}

/** go2rtc's defaults (pkg/core ConnDialTimeout, pkg/rtsp Timeout and the 5 s read deadline of Handle). */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * go2rtc's rule, kept for compatibility although it surprises: with no `#` options at all the backchannel is
 * asked for; as soon as there is any option, only `#backchannel=1` asks for it (`rtsp://cam#timeout=30` has
 * no backchannel in go2rtc either).
 */
export function backchannelEnabled(url: SourceUrl): boolean {
  if (url.options.length === 0) return true;
  return sourceOption(url, 'backchannel') === '1';
}

export function parseRtspSourceOptions(url: SourceUrl): RtspSourceOptions {
  const transportText = (sourceOption(url, 'transport') ?? '').toLowerCase();
  let transport: RtspTransportMode;
  if (transportText === '' || transportText === 'tcp') transport = 'tcp';
  else if (transportText === 'udp') transport = 'udp';
  else if (transportText.startsWith('ws')) {
    throw clientError('RTSP_TRANSPORT', 'RTSP over WebSocket (#transport=ws...) is not supported');
  } else throw clientError('RTSP_TRANSPORT', `#transport=${transportText.slice(0, 40)}: expected tcp or udp`);

  const timeoutText = sourceOption(url, 'timeout');
  // go2rtc reads it with Atoi and ignores what is not a number; so do we, within sane bounds.
  const timeout = timeoutText !== undefined && /^\d{1,5}$/.test(timeoutText) ? Number(timeoutText) : 0;
  const media = sourceOption(url, 'media');
  const base = url.base.replace(/^rtspx:/i, 'rtsps:');
  return {
    url: base,
    transport,
    backchannel: backchannelEnabled(url),
    ...(media !== undefined && media !== '' ? { media: media.toLowerCase() } : {}),
    ...(timeout > 0 && timeout <= 3600 ? { timeoutS: timeout } : {}),
  };
}

/**
 * An RtspModuleError whose message starts with its code, like pkg/rtsp's `RTSP_401: ...`: the message is all
 * `/api/streams` shows of a failed source.
 */
export function clientError(code: RtspModuleErrorCode, message: string): RtspModuleError {
  return new RtspModuleError(code, `${code}: ${message}`);
}

/** `rtsp://user:pass@host/x` → `rtsp://***@host/x`, for error messages and logs. */
export function maskUrl(url: string): string {
  return maskCredentials(url);
}
