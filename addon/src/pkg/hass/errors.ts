import { Ts2rtcError } from '../../core/errors.js';

/**
 * - HASS_STORAGE_INVALID: `core.config_entries` is not JSON, or has no `data.entries` list.
 */
export type HassStorageErrorCode = 'HASS_STORAGE_INVALID';

export class HassStorageError extends Ts2rtcError {
  declare readonly code: HassStorageErrorCode;

  constructor(code: HassStorageErrorCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}
