/**
 * Typed errors of the card. Home Assistant shows the message of an error thrown by `setConfig` in a red error
 * card; tests match on `code`.
 */
export type CardErrorCode =
  /** A key the card does not know (the message names it, and where it is). */
  | 'CONFIG_UNKNOWN_KEY'
  /** A key with a value of the wrong type or out of range. */
  | 'CONFIG_INVALID_VALUE'
  /** Neither `url`, `entity` nor `streams`. */
  | 'CONFIG_MISSING_SOURCE'
  /** The config is not an object. */
  | 'CONFIG_NOT_OBJECT';

export class CardConfigError extends Error {
  override readonly name = 'CardConfigError';
  constructor(
    readonly code: CardErrorCode,
    message: string,
    /** The config path of the bad key, e.g. `streams[1].mode` or `ptz.opacity`; empty for the whole config. */
    readonly key: string,
  ) {
    super(message);
  }
}

/** Why the card cannot open a stream (shown in the card, not thrown). */
export type ConnectErrorCode =
  /** `entity:` needs an integration to resolve the camera; none answers and `server:` alone cannot. */
  | 'CONNECT_ENTITY_NEEDS_INTEGRATION'
  /** No integration (ts2rtc or AlexxIT's WebRTC) and no `server:` to connect to. */
  | 'CONNECT_NO_SERVER'
  /** `auth/sign_path` failed. */
  | 'CONNECT_SIGN_FAILED'
  /** The selected stream has neither url nor entity (AlexxIT's "poster only" stream). */
  | 'CONNECT_NOTHING_TO_PLAY';

export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  constructor(
    readonly code: ConnectErrorCode,
    message: string,
  ) {
    super(message);
  }
}
