import { CoreError } from '../../core/errors.js';
import { classifyInput, type FfmpegSourceSpec } from './source.js';
import { NETWORK_INPUT_TEMPLATES } from './templates.js';

/** Input URL schemes a source from the network may give ffmpeg: cameras and servers, never local things. */
export const NETWORK_INPUT_SCHEMES: ReadonlySet<string> = new Set(['rtsp', 'rtsps', 'rtmp', 'rtmps', 'http', 'https']);

/** Options whose value is checked below; any other option is not an ffmpeg argument (ignored or ours). */
const VALUE_RULES: Readonly<Record<string, RegExp>> = {
  width: /^-?\d{1,5}$/,
  height: /^-?\d{1,5}$/,
  rotate: /^-?\d{1,3}$/,
  bitrate: /^\d{1,9}[kKmM]?$/,
  timeout: /^\d{1,4}$/,
  hardware: /^[a-z0-9]{0,16}$/,
  // appended to the RTSP URL of our own stream: parameters only, never another URL or an argument
  query: /^[\w.,=&-]{0,256}$/,
  async: /^$/,
};

/** Options that put text on ffmpeg's command line as arguments or filters: config only. */
const CONFIG_ONLY_OPTIONS = new Set(['raw', 'input', 'drawtext']);

function forbidden(message: string): CoreError {
  return new CoreError('SOURCE_FORBIDDEN', `ffmpeg: ${message} is allowed only in the config file`);
}

/**
 * Refuses an `ffmpeg:` source that came from the network (API, WebSocket, RTSPtoWeb) unless it only reads a
 * camera or server over the network (rtsp, rtmp, http and their TLS forms) or one of our own streams, with
 * codecs chosen by template name: no files (`/media/x.mp4`, `file:`), no capture devices, no other ffmpeg
 * protocols (`concat:`, `subfile:`, `pipe:`), and nothing that becomes free-form arguments (`#raw=`,
 * `#drawtext=`, `#input=` other than a network input template, a `#video=`/`#audio=` value that is not a
 * template). Throws SOURCE_FORBIDDEN, which the API answers with 403.
 */
export function checkUntrustedSource(
  spec: FfmpegSourceSpec,
  templates: Readonly<Record<string, string>>,
  isStream: (name: string) => boolean,
): void {
  if (/[\u0000-\u0020\u007f]/.test(spec.input)) throw forbidden('an input with blanks or control characters');
  const input = classifyInput(spec.input, isStream);
  switch (input.kind) {
    case 'file':
      throw forbidden('a file input');
    case 'device':
      throw forbidden('a device input');
    case 'url':
      if (!NETWORK_INPUT_SCHEMES.has(input.scheme)) throw forbidden(`the ${input.scheme}: input`);
      break;
    case 'stream':
      break;
  }
  for (const [key, value] of spec.options) {
    // A built-in network input template names no file, device or demuxer: only the URL above is read.
    if (key === 'input' && NETWORK_INPUT_TEMPLATES.has(value) && Object.hasOwn(templates, value)) continue;
    if (CONFIG_ONLY_OPTIONS.has(key)) throw forbidden(`#${key}=`);
    if (key === 'video' || key === 'audio') {
      if (value !== 'copy' && !Object.hasOwn(templates, value))
        throw forbidden(`#${key}= with arguments instead of a template name`);
      continue;
    }
    const rule = VALUE_RULES[key];
    if (rule && !rule.test(value)) throw forbidden(`#${key}=${JSON.stringify(value.slice(0, 40))}`);
  }
}
