/**
 * Every error that crosses a module boundary carries a stable `code`, so the API can answer
 * `{"error": message, "code": code}` and tests can match on codes instead of message text.
 */
export class Ts2rtcError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Codes used by the media core and the stream hub. Protocol packages declare their own. */
export type CoreErrorCode =
  | 'CODEC_MISMATCH' // no source media/codec matches what the consumer wants
  | 'STREAM_NOT_FOUND'
  | 'SOURCE_UNSUPPORTED' // no handler registered for the URL's scheme
  | 'SOURCE_FORBIDDEN' // scheme or input not allowed from where the URL came from
  | 'SOURCE_FAILED' // every source of the stream failed to open
  | 'CONSUMER_CLOSED';

export class CoreError extends Ts2rtcError {
  declare readonly code: CoreErrorCode;
  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A readable message from anything thrown (the rest of the code never stringifies unknowns itself). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
