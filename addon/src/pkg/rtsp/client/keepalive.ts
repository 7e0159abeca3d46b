/**
 * How often to send the keep-alive request: 5 s before the session's timeout (go2rtc), half the timeout
 * when that is short, and every 25 s when the server names none (go2rtc's default; RFC 2326 says 60 s, but
 * cameras that do not say often mean less).
 */
export function keepaliveIntervalMs(sessionTimeoutS: number | undefined): number {
  if (sessionTimeoutS === undefined || sessionTimeoutS <= 0) return 25_000;
  if (sessionTimeoutS > 10) return (sessionTimeoutS - 5) * 1000;
  return Math.max(1000, sessionTimeoutS * 500);
}
