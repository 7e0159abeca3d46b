import { deviceInputArgs, type DeviceList } from './device.js';
import { FfmpegError } from './errors.js';
import {
  classifyInput,
  hasOption,
  optionValue,
  optionValues,
  type FfmpegInput,
  type FfmpegSourceSpec,
} from './source.js';
import { splitArgs } from './split.js';

/** The socket timeout of network inputs when the URL has no `#timeout=`, in seconds (go2rtc's default). */
export const DEFAULT_INPUT_TIMEOUT_S = 5;

/**
 * Protocols an input from the network may use (ffmpeg's `-protocol_whitelist`): nothing that reads local
 * files or runs programs, even when a playlist or an RTSP redirect names one.
 */
export const NETWORK_PROTOCOLS = 'tcp,udp,tls,http,https,httpproxy,crypto,rtp,srtp,rtsp,rtsps,rtmp,rtmps,rtmpt,rtmpts';

export interface FfmpegArgsContext {
  /** Built-in templates merged with the config's (see mergeTemplates). */
  readonly templates: Readonly<Record<string, string>>;
  /** Whether a name is one of our streams (`ffmpeg:cam1#audio=opus` reads stream cam1 back). */
  readonly isStream: (name: string) => boolean;
  /** `rtsp://127.0.0.1:8554` of our RTSP server, for stream inputs; undefined when it is off. */
  readonly localRtsp?: string;
  /** Capture devices by index, for `device?video=0`. Defaults to none (the value is then used as a path). */
  readonly devices?: DeviceList;
  /** ffmpeg's `-loglevel`. Defaults to `error`. */
  readonly logLevel?: string;
  /** The source came from the network: restrict the input to network protocols. Defaults to false. */
  readonly untrusted?: boolean;
}

/** One `#video=`/`#audio=` entry: `copy`, or the arguments of the template (or raw value) it names. */
export type CodecArgs = { readonly copy: true } | { readonly copy: false; readonly args: readonly string[] };

export interface FfmpegCommand {
  /** Everything after the binary; the output URL is the argument `{output}`, filled in per process. */
  readonly args: string[];
  readonly input: FfmpegInput;
  readonly video: readonly CodecArgs[];
  readonly audio: readonly CodecArgs[];
}

function template(ctx: FfmpegArgsContext, name: string): string | undefined {
  return Object.hasOwn(ctx.templates, name) ? ctx.templates[name] : undefined;
}

/** A template by name, or the text itself as arguments (go2rtc: `#raw=-vf transpose=1`, `#video=-c:v x`). */
function templateOrRaw(ctx: FfmpegArgsContext, value: string): string[] {
  return splitArgs(template(ctx, value) ?? value);
}

/**
 * The input arguments of a template with `{input}` and `{timeout}` filled in. Placeholders are replaced
 * inside already split arguments, so a path or URL with blanks stays one argument.
 */
function fillInput(templateText: string, input: string, timeoutS: string): string[] {
  return splitArgs(templateText).map((arg) =>
    arg.replaceAll('{input}', input).replaceAll('{timeout}', `${timeoutS}000000`),
  );
}

function inputArgs(
  spec: FfmpegSourceSpec,
  input: FfmpegInput,
  ctx: FfmpegArgsContext,
  video: number,
  audio: number,
): string[] {
  const custom = optionValue(spec, 'input');
  const timeoutText = optionValue(spec, 'timeout');
  const timeout =
    timeoutText !== undefined && /^\d{1,4}$/.test(timeoutText) ? timeoutText : String(DEFAULT_INPUT_TIMEOUT_S);
  const pick = (name: string): string => {
    if (custom) return template(ctx, custom) ?? custom;
    return template(ctx, name) ?? '-i {input}';
  };
  switch (input.kind) {
    case 'url': {
      if (input.scheme === 'http' || input.scheme === 'https' || input.scheme === 'rtmp' || input.scheme === 'rtmps') {
        return fillInput(pick('http'), input.url, timeout);
      }
      if (input.scheme === 'rtsp' || input.scheme === 'rtsps') {
        // Only the kinds of track the output uses are set up at the camera.
        return [...allowedMediaTypes(video, audio), ...fillInput(pick('rtsp'), input.url, timeout)];
      }
      return custom ? fillInput(pick(''), input.url, timeout) : ['-i', input.url];
    }
    case 'stream': {
      if (!ctx.localRtsp)
        throw new FfmpegError('FFMPEG_INPUT_INVALID', `stream ${input.name}: the RTSP server is off (rtsp.listen)`);
      let url = `${ctx.localRtsp}/${encodeURIComponent(input.name)}?${video > 0 && audio === 0 ? 'video' : audio > 0 && video === 0 ? 'audio' : 'video&audio'}`;
      for (const extra of optionValues(spec, 'query')) if (extra !== '') url += `&${extra}`;
      return fillInput(pick('rtsp'), url, timeout);
    }
    case 'device':
      return deviceInputArgs(input.query, ctx.devices ?? { videos: [], audios: [] });
    case 'file':
      return fillInput(pick('file'), input.path, timeout);
  }
}

function allowedMediaTypes(video: number, audio: number): string[] {
  if (video > 0 && audio === 0) return ['-allowed_media_types', 'video'];
  if (audio > 0 && video === 0) return ['-allowed_media_types', 'audio'];
  return ['-allowed_media_types', 'video+audio'];
}

function codecArgs(ctx: FfmpegArgsContext, value: string): CodecArgs {
  if (value === 'copy') return { copy: true };
  return { copy: false, args: templateOrRaw(ctx, value) };
}

/**
 * With several `#video=` or `#audio=` entries every codec gets its own output stream, all from the first
 * input stream of that kind: `-c:v x` becomes `-map 0:v:0? -c:v:N x`.
 */
function numbered(args: readonly string[], kind: 'v' | 'a', index: number): string[] {
  const first = args[0];
  if (first !== `-c:${kind}` && first !== `-codec:${kind}`) return [...args];
  return ['-map', `0:${kind}:0?`, `-c:${kind}:${index}`, ...args.slice(1)];
}

function filters(spec: FfmpegSourceSpec, ctx: FfmpegArgsContext): string[] {
  const list: string[] = [];
  const width = optionValue(spec, 'width');
  const height = optionValue(spec, 'height');
  if (width !== undefined || height !== undefined) list.push(`scale=${width || '-1'}:${height || '-1'}`);
  const rotate = rotateFilter(optionValue(spec, 'rotate'));
  if (rotate) list.push(rotate);
  for (const value of optionValues(spec, 'drawtext')) {
    const text = template(ctx, value) ?? value;
    list.push(`drawtext=${text.includes('text=') ? text : `${text}:text='%{localtime\\:%Y-%m-%d %X}'`}`);
  }
  return list;
}

/** go2rtc's rotate values: 90 clockwise, 180, 270 (or -90) counterclockwise. */
export function rotateFilter(rotate: string | undefined): string | undefined {
  switch (rotate) {
    case '90':
      return 'transpose=1';
    case '180':
      return 'transpose=1,transpose=1';
    case '270':
    case '-90':
      return 'transpose=2';
    default:
      return undefined;
  }
}

/**
 * The ffmpeg command of an `ffmpeg:` source, with go2rtc's meaning of every option: `#video=`/`#audio=`
 * (repeatable; a template name, `copy`, or raw arguments), `#raw=`, `#input=`, `#timeout=`, `#width=`,
 * `#height=`, `#rotate=`, `#drawtext=`, `#bitrate=`, `#async`, `#query=` (stream inputs). Without any codec
 * every track is copied. `#hardware` is accepted and means software encoding (no GPU engines are probed).
 * Throws FfmpegError for text that does not split into arguments or an input that names nothing.
 */
export function buildFfmpegArgs(spec: FfmpegSourceSpec, ctx: FfmpegArgsContext): FfmpegCommand {
  const videoValues = optionValues(spec, 'video');
  const audioValues = optionValues(spec, 'audio');
  const input = classifyInput(spec.input, ctx.isStream);
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', ctx.logLevel ?? 'error'];
  if (ctx.untrusted) args.push('-protocol_whitelist', NETWORK_PROTOCOLS);
  if (hasOption(spec, 'async')) args.push('-use_wallclock_as_timestamps', '1');
  args.push(...inputArgs(spec, input, ctx, videoValues.length, audioValues.length));

  for (const raw of optionValues(spec, 'raw')) args.push(...templateOrRaw(ctx, raw));
  const multi = videoValues.length > 1 || audioValues.length > 1;
  const video = videoValues.map((v) => codecArgs(ctx, v));
  const audio = audioValues.map((v) => codecArgs(ctx, v));
  video.forEach((codec, i) => {
    const list = codec.copy ? ['-c:v', 'copy'] : codec.args;
    args.push(...(multi ? numbered(list, 'v', i) : list));
  });
  const bitrate = optionValue(spec, 'bitrate');
  if (bitrate) args.push('-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate);
  audio.forEach((codec, i) => {
    const list = codec.copy ? ['-c:a', 'copy'] : codec.args;
    args.push(...(multi ? numbered(list, 'a', i) : list));
  });
  // Resampling against the wall clock keeps audio timestamps steady when the input's drift (go2rtc's `async`).
  if (hasOption(spec, 'async') && audio.some((c) => !c.copy)) args.push('-af', 'aresample=async=1:min_comp=0');

  if (video.length === 0 && audio.length === 0) args.push('-c', 'copy');
  else if (video.length === 0) args.push('-vn');
  else if (audio.length === 0) args.push('-an');

  const vf = filters(spec, ctx);
  if (vf.length > 0) args.push('-vf', vf.join(','));
  args.push(...splitArgs(template(ctx, 'output') ?? '-rtsp_transport tcp -f rtsp {output}'));
  return { args, input, video, audio };
}
