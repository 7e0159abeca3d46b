import { Ts2rtcError } from '../../core/errors.js';

/**
 * Codes of the MP4 module (MSE, stream.mp4, frame.mp4).
 * - MP4_CODEC_UNSUPPORTED: the negotiated codec cannot go into MP4 (should not happen: the module only asks
 *   for codecs it can write).
 * - MP4_NO_PARAMETER_SETS: a video key frame without SPS/PPS in-band or in the fmtp.
 * - MP4_NO_KEYFRAME: no key frame arrived in time to start the stream or take the snapshot.
 * - MP4_SOURCE_ENDED: the source went away before anything could be sent.
 */
export type Mp4ModuleErrorCode =
  'MP4_CODEC_UNSUPPORTED' | 'MP4_NO_PARAMETER_SETS' | 'MP4_NO_KEYFRAME' | 'MP4_SOURCE_ENDED';

export class Mp4ModuleError extends Ts2rtcError {
  declare readonly code: Mp4ModuleErrorCode;

  constructor(code: Mp4ModuleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
