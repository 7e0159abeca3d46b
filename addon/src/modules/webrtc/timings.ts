/** How long a WebRTC peer may take at each stage; werift-free, so the module's `init` can read it without loading werift. */
export interface PeerTimings {
  /** A peer that has not connected by then is dropped. Defaults to 30 s. */
  connectTimeoutMs: number;
  /**
   * ICE consent expiry, ours: a connected peer from which nothing came for this long (no answer to our
   * consent checks, no RTCP, no DTLS) is gone. RFC 7675 says 30 s; a vanished viewer should stop costing a
   * camera stream sooner (issue 9: within 10 s), so 6 s (checked every `consentIntervalMs`: dropped within
   * ~7 s). A live peer answers each check in milliseconds, so six unanswered in a row is a dead path. Defaults to 6 s.
   */
  idleTimeoutMs: number;
  /** How often we send our own consent check (STUN binding request) on the selected pair. Defaults to 1 s. */
  consentIntervalMs: number;
  /** How long `disconnected` may last before the peer is dropped. Defaults to 5 s. */
  disconnectedGraceMs: number;
  /** A v1 peer whose signalling socket closed before it connected has this long left to connect. Defaults to 5 s. */
  orphanConnectMs: number;
  /** HTTP answers (not trickled) wait this long at most for server-reflexive and relay candidates. Defaults to 250 ms. */
  completeAnswerWaitMs: number;
}

export const DEFAULT_PEER_TIMINGS: PeerTimings = {
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 6_000,
  consentIntervalMs: 1_000,
  disconnectedGraceMs: 5_000,
  orphanConnectMs: 5_000,
  completeAnswerWaitMs: 250,
};
