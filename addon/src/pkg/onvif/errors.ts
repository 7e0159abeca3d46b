import { Ts2rtcError } from '../../core/errors.js';

/**
 * - ONVIF_XML_INVALID: an answer that is not the SOAP/XML it should be (or larger than the parser takes).
 * - ONVIF_AUTH: the device refused our credentials (a SOAP fault `ter:NotAuthorized`/`wsse:FailedAuthentication`,
 *   or HTTP 401): wrong user or password, or a device clock far from ours.
 * - ONVIF_FAULT: any other SOAP fault (the message carries the device's code and reason).
 * - ONVIF_NO_PROFILES: GetProfiles listed no media profile.
 * - ONVIF_SUBTYPE: `?subtype=` names a profile index or token the device does not have.
 * - ONVIF_NO_URI: GetStreamUri answered without a usable URI.
 * - ONVIF_URI_UNSUPPORTED: the stream URI is not rtsp:// or rtsps:// (nothing else is opened from a device's answer).
 * - ONVIF_URL_INVALID: an `onvif://` URL we cannot read.
 * - ONVIF_HTTP: the device answered with an HTTP status other than 200 and no SOAP fault.
 * - ONVIF_CONNECT: no answer: connection refused, DNS, timeout.
 * - ONVIF_DISCOVERY: the WS-Discovery probe could not be sent.
 */
export type OnvifErrorCode =
  | 'ONVIF_XML_INVALID'
  | 'ONVIF_AUTH'
  | 'ONVIF_FAULT'
  | 'ONVIF_NO_PROFILES'
  | 'ONVIF_SUBTYPE'
  | 'ONVIF_NO_URI'
  | 'ONVIF_URI_UNSUPPORTED'
  | 'ONVIF_URL_INVALID'
  | 'ONVIF_HTTP'
  | 'ONVIF_CONNECT'
  | 'ONVIF_DISCOVERY';

/** Its message starts with the code, as the other sources' errors: the message is all `/api/streams` shows. */
export class OnvifError extends Ts2rtcError {
  declare readonly code: OnvifErrorCode;

  constructor(code: OnvifErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `${code}: ${message}`, options);
  }
}
