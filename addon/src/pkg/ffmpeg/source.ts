import { FfmpegError } from './errors.js';

/** What follows `ffmpeg:` in a source URL, already split from its `#key=value` options. */
export interface FfmpegSourceSpec {
  /** `rtsp://cam/1`, `/media/file.mp4`, `cam1` (a stream), `device?video=0`. */
  readonly input: string;
  readonly options: ReadonlyArray<readonly [string, string]>;
}

/**
 * How ffmpeg reads the input, decided as go2rtc does, in this order: anything with `scheme://` is a URL; a
 * name of one of our streams is read back through the local RTSP server; `device?…` is a local capture
 * device; anything else is a file path.
 */
export type FfmpegInput =
  | { readonly kind: 'url'; readonly scheme: string; readonly url: string }
  | { readonly kind: 'stream'; readonly name: string }
  | { readonly kind: 'device'; readonly query: URLSearchParams }
  | { readonly kind: 'file'; readonly path: string };

export function classifyInput(input: string, isStream: (name: string) => boolean): FfmpegInput {
  if (input === '') throw new FfmpegError('FFMPEG_INPUT_INVALID', 'empty input');
  const sep = input.indexOf('://');
  if (sep > 0) return { kind: 'url', scheme: input.slice(0, sep).toLowerCase(), url: input };
  if (isStream(input)) return { kind: 'stream', name: input };
  const question = input.indexOf('?');
  if (question > 0 && input.slice(0, question) === 'device') {
    return { kind: 'device', query: new URLSearchParams(input.slice(question + 1)) };
  }
  return { kind: 'file', path: input };
}

export function optionValues(spec: FfmpegSourceSpec, key: string): string[] {
  return spec.options.filter(([k]) => k === key).map(([, v]) => v);
}

export function optionValue(spec: FfmpegSourceSpec, key: string): string | undefined {
  return spec.options.find(([k]) => k === key)?.[1];
}

export function hasOption(spec: FfmpegSourceSpec, key: string): boolean {
  return spec.options.some(([k]) => k === key);
}
