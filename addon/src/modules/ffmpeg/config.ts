import type { App } from '../../app.js';
import { mergeTemplates } from '../../pkg/ffmpeg/index.js';

/** The `ffmpeg:` config section as the module uses it. */
export interface FfmpegSettings {
  /** `ffmpeg.bin`; defaults to `ffmpeg` on PATH. */
  readonly bin: string;
  /** Built-in templates with the config's overrides and additions. */
  readonly templates: Readonly<Record<string, string>>;
  /** ffmpeg's `-loglevel`, from `log: ffmpeg:` (go2rtc's mapping); defaults to `error`. */
  readonly logLevel: string;
}

/** zerolog names (the log config) to ffmpeg's. */
const FFMPEG_LEVELS: Readonly<Record<string, string>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
  fatal: 'fatal',
  panic: 'panic',
  disabled: 'quiet',
};

export function ffmpegSettings(app: App): FfmpegSettings {
  const level = app.config.log.modules['ffmpeg'];
  return {
    bin: app.config.ffmpeg.bin || 'ffmpeg',
    templates: mergeTemplates(app.config.ffmpeg),
    logLevel: (level !== undefined ? FFMPEG_LEVELS[level] : undefined) ?? 'error',
  };
}
