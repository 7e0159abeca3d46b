import type { SdpTrack } from '../../sdp/index.js';
import type { RtspRequest } from '../message.js';
import type { SessionTrack } from './tracks.js';

/** A DESCRIBE as the session read it. */
export interface DescribeRequest {
  readonly request: RtspRequest;
  /** The request URI's path without its leading `/`, percent-decoded (a stream name). */
  readonly path: string;
  /** The request URI's query (`?video&audio=all`). */
  readonly query: URLSearchParams;
  /** The client asked for the ONVIF backchannel (`Require: www.onvif.org/ver20/backchannel`). */
  readonly backchannel: boolean;
}

/** An ANNOUNCE as the session read it. */
export interface AnnounceRequest {
  readonly request: RtspRequest;
  /** As DescribeRequest's; never empty (the session answers 400 to an ANNOUNCE without one). */
  readonly path: string;
  /** The SDP as received. */
  readonly sdp: string;
  /** Its sections we can receive (`recvonly` as we read them), in SDP order; never empty (else 415). */
  readonly tracks: readonly SdpTrack[];
}

/** What DESCRIBE gave a reader: the tracks our SDP describes, and what PLAY starts. */
export interface SessionReader {
  /**
   * The SDP's sections in order (`a=control:<control>`): outgoing tracks carry their packetizer, the
   * backchannel's (`sdpDirection: 'sendonly'`) their RTP format. SETUP sets a track's `transport`.
   */
  readonly sessionTracks: readonly SessionTrack[];
  /** PLAY was answered: start sending on the tracks that have a transport. */
  play(): void;
  /** RTP from the client on one of the tracks (an ONVIF backchannel). */
  receive(track: SessionTrack, datagram: Buffer): void;
}

/** What ANNOUNCE gave a publisher: the tracks the client will send, and where their RTP goes. */
export interface SessionPublisher {
  /** One per section the client may SETUP (`a=control:` as in its SDP). SETUP sets a track's `transport`. */
  readonly sessionTracks: readonly SessionTrack[];
  /** RTP from the client for one of the tracks. */
  receive(track: SessionTrack, datagram: Buffer): void;
  /** RECORD was answered. */
  record?(): void;
}

/**
 * The decisions a server session leaves to the application, one handler per session (gortsplib's
 * `ServerHandlerOn*`, go2rtc's `internal/rtsp` handlers): which tracks a path offers, whether a publish is
 * accepted, what closing releases. The session runs the protocol around them: auth, OPTIONS, SETUP and its
 * transports, PLAY/RECORD answers, keepalives, TEARDOWN. A handler refuses with RtspRequestError (its status
 * is the answer); any other error answers 500, or 400 for a request it could not read (RTSP_BAD_*, SDP_*).
 */
export interface ServerSessionHandler {
  /**
   * DESCRIBE: the reader of `path`. The session answers with an SDP of its tracks. If the session closes
   * while this runs, `close()` is called meanwhile: the handler releases what it made and refuses.
   */
  describe(request: DescribeRequest): Promise<SessionReader>;
  /**
   * ANNOUNCE: the publisher into `path`, or a refusal. Synchronous, so a SETUP right behind the ANNOUNCE finds
   * its tracks.
   */
  announce(request: AnnounceRequest): SessionPublisher;
  /** The session ended (TEARDOWN, the client hung up, the connection closed): release the reader or publisher. */
  close(): Promise<void>;
}
