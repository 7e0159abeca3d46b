import { Ts2rtcError } from '../../core/errors.js';

/**
 * - HOMEKIT_NOT_CAMERA: the accessory has no camera RTP stream management service (or it lacks 114/115/117/118).
 * - HOMEKIT_BUSY: every stream of the camera is in use (HomeKit cameras serve two or so at a time).
 * - HOMEKIT_SETUP_FAILED: the camera answered SetupEndpoints with a busy/error status or unusable SRTP keys.
 * - HOMEKIT_NO_MEDIA: no SRTP arrived in time after the stream started, or it stopped arriving.
 * - HOMEKIT_STREAM_NOT_FOUND: `DELETE /api/homekit?id=` names no stream.
 * - HOMEKIT_STREAM_EXISTS: `POST /api/homekit?id=` names a stream that exists and is not a HomeKit camera.
 * - HOMEKIT_NOT_PAIRED: the stream has no paired `homekit://` source to unpair.
 * - HOMEKIT_DISCOVERY_FAILED: mDNS could not be used (no socket, no multicast route).
 */
export type HomekitErrorCode =
  | 'HOMEKIT_NOT_CAMERA'
  | 'HOMEKIT_BUSY'
  | 'HOMEKIT_SETUP_FAILED'
  | 'HOMEKIT_NO_MEDIA'
  | 'HOMEKIT_STREAM_NOT_FOUND'
  | 'HOMEKIT_STREAM_EXISTS'
  | 'HOMEKIT_NOT_PAIRED'
  | 'HOMEKIT_DISCOVERY_FAILED';

export class HomekitError extends Ts2rtcError {
  declare readonly code: HomekitErrorCode;

  constructor(code: HomekitErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message}`, options);
  }
}
