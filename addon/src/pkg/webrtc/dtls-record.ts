/**
 * DTLS record headers (RFC 6347 4.1): content type (1), version (2), epoch (2), sequence number (6),
 * length (2), then `length` bytes of (possibly encrypted) fragment. Only the headers are read here: the
 * content type is never encrypted, so an alert is recognisable without the session's keys.
 */

/** Content type of an alert record: close_notify, or a fatal alert (RFC 5246 6.2.1). */
export const DTLS_CONTENT_ALERT = 21;
const HEADER_BYTES = 13;

/** True when `datagram` starts like a DTLS record (RFC 7983 5: first byte 20–63, DTLS major version 0xfe). */
export function isDtlsRecord(datagram: Uint8Array): boolean {
  const first = datagram[0];
  return datagram.length >= HEADER_BYTES && first !== undefined && first >= 20 && first <= 63 && datagram[1] === 0xfe;
}

/**
 * True when any record of `datagram` is an alert. After the handshake a DTLS-SRTP peer sends one only to
 * end the session (close_notify when it leaves cleanly, a fatal alert otherwise). Never throws: a datagram
 * whose records do not add up is read as far as they do.
 */
export function hasDtlsAlert(datagram: Uint8Array): boolean {
  if (!isDtlsRecord(datagram)) return false;
  let at = 0;
  while (at + HEADER_BYTES <= datagram.length) {
    if (datagram[at] === DTLS_CONTENT_ALERT) return true;
    const length = ((datagram[at + 11] ?? 0) << 8) | (datagram[at + 12] ?? 0);
    at += HEADER_BYTES + length;
  }
  return false;
}
