import { Ts2rtcError } from '../../core/errors.js';

/**
 * Where a source URL came from. Only `config` may run commands (exec:, echo:) or read local devices and
 * files; everything that arrives over the network is untrusted. `device`: a URL a device or server answered
 * for a configured source (an ONVIF camera's GetStreamUri), which the config author never saw.
 */
export type SourceOrigin = 'config' | 'api' | 'ws' | 'publish' | 'hass' | 'device';

/**
 * A stream source as written by the user, parsed once: `rtsp://cam/1#backchannel=0`,
 * `ffmpeg:rtsp://cam/1#video=h264#audio=opus`, `exec:ffmpeg -i … {output}`.
 * go2rtc's `#key=value` suffixes are options for the source handler, not part of what it connects to.
 */
export interface SourceUrl {
  /** Exactly as configured. */
  readonly raw: string;
  /** Lower-case scheme without the colon: `rtsp`, `ffmpeg`, `exec`. */
  readonly scheme: string;
  /** `raw` without the `#…` options. */
  readonly base: string;
  /** `base` after `scheme:` (for `ffmpeg:rtsp://x` this is `rtsp://x`). */
  readonly rest: string;
  /** `#key=value` options in order; a bare `#key` has the value `''`. Keys may repeat (`#audio=a#audio=b`). */
  readonly options: ReadonlyArray<readonly [string, string]>;
}

export class SourceUrlError extends Ts2rtcError {
  constructor(message: string) {
    super('SOURCE_URL_INVALID', message);
  }
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

export function parseSourceUrl(raw: string): SourceUrl {
  const text = raw.trim();
  if (text === '') throw new SourceUrlError('empty source URL');
  if (text.length > 8192) throw new SourceUrlError('source URL longer than 8192 characters');
  const match = SCHEME.exec(text);
  if (!match?.[1]) throw new SourceUrlError(`source URL has no scheme: ${JSON.stringify(text.slice(0, 80))}`);
  const scheme = match[1].toLowerCase();
  // exec: commands may legitimately contain '#' (shell comments are not, but ffmpeg filter strings can);
  // go2rtc still splits options on '#' for every scheme, so we do too, and compatibility wins.
  const hash = text.indexOf('#');
  const base = hash < 0 ? text : text.slice(0, hash);
  const options: Array<readonly [string, string]> = [];
  if (hash >= 0) {
    for (const part of text.slice(hash + 1).split('#')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      options.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
    }
  }
  return { raw, scheme, base, rest: base.slice(scheme.length + 1), options };
}

export function sourceOption(url: SourceUrl, key: string): string | undefined {
  return url.options.find(([k]) => k === key)?.[1];
}

export function sourceOptions(url: SourceUrl, key: string): string[] {
  return url.options.filter(([k]) => k === key).map(([, v]) => v);
}
