// RFC 3986 userinfo characters, as go2rtc's pkg/creds masks them (`rtsp://user:pass@host` → `rtsp://***@host`).
const USERINFO = /:\/\/[A-Za-z0-9\-._~!$&'()*+,;=%:]+@/g;
/** A `homekit://` pairing's long-term private key is a password too (anyone holding it controls the camera). */
const HOMEKIT_PRIVATE = /([?&]client_private=)[^&#\s"]*/g;

/**
 * Hides credentials embedded in URLs anywhere in a text. Everything that leaves the process (API answers,
 * WebSocket errors, log lines about sources) goes through it, so camera passwords are never shown.
 */
export function maskCredentials(text: string): string {
  return text.replace(USERINFO, '://***@').replace(HOMEKIT_PRIVATE, '$1***');
}
