export { SdpError, type SdpErrorCode } from './errors.js';
export type { SdpSession, SdpMedia, SdpAttribute, SdpOrigin, SdpConnection, SdpTiming, SdpLine } from './types.js';
export { parseSdp, SDP_LIMITS } from './parse.js';
export { buildSdp } from './build.js';
export {
  getAttribute,
  getAttributes,
  parseRtpmap,
  mediaRtpmap,
  mediaFmtp,
  mediaDirection,
  type Rtpmap,
  type SdpDirection,
} from './attributes.js';
export { resolveControl } from './control.js';
export { rtpFormatToCodec, codecToRtpFormat, STATIC_PAYLOAD_TYPES, type RtpFormat } from './rtp-format.js';
export { sdpToMedias, mediasToSdp, type SdpTrack, type SdpTrackInput, type MediasToSdpOptions } from './media.js';
export { parseFmtp, buildFmtp } from '../rtp/fmtp.js';
