import { Ts2rtcError } from '../../core/errors.js';

/**
 * - HAP_TLV_INVALID: a TLV8 item runs past the end of its buffer, or a field has the wrong size.
 * - HAP_FRAME_INVALID: an encrypted session frame declares more than 1024 bytes, or fails authentication
 *   (wrong key, tampered or out-of-order bytes): the session cannot go on.
 * - HAP_HTTP_INVALID: the accessory's HTTP answer cannot be read (bad status line, headers, length).
 * - HAP_HTTP_STATUS: the accessory answered with an HTTP error status.
 * - HAP_PAIR_WRONG_PIN: pair-setup refused the PIN (TLV error Authentication at M4).
 * - HAP_PAIR_ALREADY_PAIRED: the accessory is paired with another controller (TLV error Unavailable); unpair it
 *   there (or reset it) first.
 * - HAP_PAIR_FAILED: pair-setup failed otherwise (busy, max tries, max peers, a bad signature, a bad answer).
 * - HAP_VERIFY_FAILED: pair-verify failed: the accessory does not know our pairing any more, or its keys are
 *   not the ones saved in the URL.
 * - HAP_CONNECTION_CLOSED: the accessory closed the connection (or it could not be opened).
 * - HAP_TIMEOUT: the accessory did not answer in time.
 * - HAP_URL_INVALID: a `homekit://` URL without host, port or pairing keys, or with keys of the wrong size.
 */
export type HapErrorCode =
  | 'HAP_TLV_INVALID'
  | 'HAP_FRAME_INVALID'
  | 'HAP_HTTP_INVALID'
  | 'HAP_HTTP_STATUS'
  | 'HAP_PAIR_WRONG_PIN'
  | 'HAP_PAIR_ALREADY_PAIRED'
  | 'HAP_PAIR_FAILED'
  | 'HAP_VERIFY_FAILED'
  | 'HAP_CONNECTION_CLOSED'
  | 'HAP_TIMEOUT'
  | 'HAP_URL_INVALID';

export class HapError extends Ts2rtcError {
  declare readonly code: HapErrorCode;

  constructor(code: HapErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message}`, options);
  }
}
