export { RtspError, RtspConnectionError, RtspRequestError, rtspStatusError, type RtspErrorCode } from './errors.js';
export { RtspHeaders } from './headers.js';
export {
  RTSP_VERSION,
  RTSP_REASONS,
  serializeRequest,
  serializeResponse,
  interleavedHeader,
  type RtspRequest,
  type RtspResponse,
  type RtspMessage,
  type InterleavedFrame,
  type RtspGarbage,
  type RtspReadError,
  type RtspReadItem,
  type RequestInput,
  type ResponseInput,
} from './message.js';
export { RtspReader, type RtspReaderOptions } from './reader.js';
export { parseTransport, buildTransport, type TransportSpec } from './transport.js';
export {
  parseSession,
  buildSession,
  parseRtpInfo,
  buildRtpInfo,
  parseRange,
  buildRange,
  parseCSeq,
  parseTokenList,
  type SessionHeader,
  type RtpInfoEntry,
  type RangeHeader,
} from './header-values.js';
export {
  parseWwwAuthenticate,
  pickChallenge,
  digestResponse,
  basicAuthorization,
  buildAuthorization,
  RtspAuthenticator,
  type AuthChallenge,
  type BasicChallenge,
  type DigestChallenge,
  type DigestAlgorithm,
  type DigestInput,
  type Credentials,
  type AuthorizationRequest,
} from './auth.js';
export {
  parseAuthorization,
  basicChallenge,
  digestChallenge,
  verifyAuthorization,
  type ParsedAuthorization,
  type VerifyOptions,
} from './auth-server.js';
export {
  DEFAULT_RTSP_PORT,
  DEFAULT_RTSPS_PORT,
  parseRtspUrl,
  normalizeRtspUrl,
  stripUserinfo,
  rtspBaseUrl,
  parseRequestUri,
  type RtspUrl,
} from './url.js';
export { createDepacketizer, createPacketizer, payloadClassifier, type DepacketizerFactoryOptions } from './formats.js';
export type { RtspLogger } from './log.js';
