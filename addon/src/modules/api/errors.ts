import { maskCredentials } from '../../core/creds.js';
import { Ts2rtcError, errorMessage } from '../../core/errors.js';

/** Codes the API layer itself raises; handlers' own errors keep their codes (core, config, protocols). */
export type ApiErrorCode =
  | 'BAD_REQUEST' // a required query parameter is missing or malformed
  | 'BODY_INVALID' // the body does not parse (JSON, YAML, form)
  | 'BODY_TOO_LARGE'
  | 'NOT_FOUND' // no such path
  | 'METHOD_NOT_ALLOWED'
  | 'UNAUTHORIZED'
  | 'CROSS_SITE_REFUSED' // a state-changing request from another web site's page
  | 'BODY_TYPE_REFUSED' // a JSON/YAML body in a content type any web page may send
  | 'CONFIG_DISABLED' // no config file path: `/api/config` is gone
  | 'CONFIG_RAW_FORBIDDEN' // `/api/config?raw=1` without the API credentials in the request
  | 'NOT_IMPLEMENTED' // the endpoint exists in go2rtc but its feature is not built yet
  | 'EXIT_CODE_INVALID'
  | 'INTERNAL';

/** An error with the HTTP status to answer it with. */
export class ApiError extends Ts2rtcError {
  declare readonly code: ApiErrorCode;
  constructor(
    readonly status: number,
    code: ApiErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * Status for codes raised below the API (core, streams, config). Modules add theirs with
 * `ApiModule.registerErrorStatus`; an unknown code is a 500, because it was not meant as a client error.
 */
const DEFAULT_STATUS: ReadonlyMap<string, number> = new Map([
  ['STREAM_NOT_FOUND', 404],
  ['SOURCE_FORBIDDEN', 403],
  ['SOURCE_UNSUPPORTED', 400],
  ['SOURCE_URL_INVALID', 400],
  ['STREAM_NAME_INVALID', 400],
  ['PRELOAD_NOT_FOUND', 404],
  // go2rtc answers a failed consumer negotiation with 500; kept, since clients only test for non-2xx.
  ['CODEC_MISMATCH', 500],
  ['SOURCE_FAILED', 500],
  ['CONSUMER_CLOSED', 500],
  ['CONFIG_SYNTAX', 400],
  ['CONFIG_INVALID', 400],
  ['CONFIG_READ', 500],
  ['CONFIG_WRITE', 500],
]);

export class ErrorStatusTable {
  private readonly statuses = new Map<string, number>(DEFAULT_STATUS);

  register(code: string, status: number): void {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`error status for ${code} must be 4xx or 5xx, got ${status}`);
    }
    this.statuses.set(code, status);
  }

  /** Status and JSON body for anything a handler threw. */
  describe(err: unknown): { status: number; body: ErrorBody } {
    if (err instanceof ApiError)
      return { status: err.status, body: { error: maskSecrets(err.message), code: err.code } };
    if (err instanceof Ts2rtcError) {
      return { status: this.statuses.get(err.code) ?? 500, body: { error: maskSecrets(err.message), code: err.code } };
    }
    return { status: 500, body: { error: maskSecrets(errorMessage(err)), code: 'INTERNAL' } };
  }
}

export interface ErrorBody {
  error: string;
  code: string;
}

/**
 * Hides credentials embedded in URLs. go2rtc 1.9.14 passes `/api/streams`, `/api/streams.dot` and WebSocket
 * error text through the same masking, so clients never see camera passwords over the API.
 */
export const maskSecrets = maskCredentials;
