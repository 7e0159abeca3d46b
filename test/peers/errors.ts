import { Ts2rtcError } from '../../addon/src/core/errors.js';

/** Codes of the test peers' failures, so a test (or a reader of its output) can tell them apart. */
export type PeerErrorCode =
  | 'PEER_MISSING' // the program or a part of it is not installed; the message names the Debian package
  | 'PEER_START_FAILED' // it started but exited or reported an error before it was ready
  | 'PEER_TIMEOUT' // it did not become ready, or did not produce what was awaited, in time
  | 'PEER_FAILED' // it ran and exited with an error
  | 'PEER_OUTPUT'; // its output could not be understood

export class PeerError extends Ts2rtcError {
  declare readonly code: PeerErrorCode;
  constructor(code: PeerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
