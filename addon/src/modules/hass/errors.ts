import { Ts2rtcError } from '../../core/errors.js';

/**
 * - HASS_CAMERA_NOT_FOUND: `hass:<title>` names no generic/HomeKit camera in Home Assistant's config entries.
 * - HASS_HOMEKIT_UNSUPPORTED: the camera is a HomeKit one and the `homekit` source is not registered (a build or
 *   test app without module homekit).
 * - HASS_API_UNAVAILABLE: `hass:camera.x` needs Home Assistant's API (the add-on's Supervisor token, or
 *   `hass.url` + `hass.token`), and there is none, or it refused the token, or cannot be reached.
 * - HASS_ENTITY_FAILED: Home Assistant answered `camera/stream` with an error (no such entity, the camera
 *   cannot stream) or without a URL.
 */
export type HassErrorCode =
  'HASS_CAMERA_NOT_FOUND' | 'HASS_HOMEKIT_UNSUPPORTED' | 'HASS_API_UNAVAILABLE' | 'HASS_ENTITY_FAILED';

export class HassError extends Ts2rtcError {
  declare readonly code: HassErrorCode;

  constructor(code: HassErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
