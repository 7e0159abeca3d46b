export { FfmpegError, type FfmpegErrorCode } from './errors.js';
export { splitArgs, MAX_ARGUMENTS, MAX_COMMAND_LENGTH } from './split.js';
export { DEFAULT_TEMPLATES, NETWORK_INPUT_TEMPLATES, NON_TEMPLATE_KEYS, mergeTemplates } from './templates.js';
export {
  classifyInput,
  optionValue,
  optionValues,
  hasOption,
  type FfmpegInput,
  type FfmpegSourceSpec,
} from './source.js';
export {
  buildFfmpegArgs,
  rotateFilter,
  DEFAULT_INPUT_TIMEOUT_S,
  NETWORK_PROTOCOLS,
  type CodecArgs,
  type FfmpegArgsContext,
  type FfmpegCommand,
} from './args.js';
export { commandMedias, videoCodecOf, audioCodecOf } from './codecs.js';
export { checkUntrustedSource, NETWORK_INPUT_SCHEMES } from './security.js';
export { deviceInputArgs, parseV4l2Formats, type DeviceList, type DeviceSource } from './device.js';
export { parseSnapshotQuery, snapshotArgs, snapshotFilters, mjpegTranscodeArgs, type SnapshotOptions } from './jpeg.js';
