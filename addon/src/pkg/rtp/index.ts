export { RtpError, type RtpErrorCode } from './errors.js';
export {
  RTP_HEADER_SIZE,
  parseRtp,
  rtpPayloadStart,
  serializeRtpHeader,
  type RtpPacket,
  type RtpHeaderExtension,
  type RtpHeaderFields,
} from './packet.js';
export {
  RtcpPacketType,
  parseRtcp,
  buildReceiverReport,
  buildSenderReport,
  ntpFromUnixMs,
  ntpMiddle,
  isRtcp,
  type RtcpPacket,
  type RtcpSenderReport,
  type RtcpReceiverReport,
  type RtcpSourceDescription,
  type RtcpSdesItem,
  type RtcpBye,
  type RtcpOther,
  type RtcpReportBlock,
  type ReceiverReportInput,
  type SenderReportInput,
} from './rtcp.js';
export {
  seqDiff,
  timestampDiff,
  TimestampUnwrapper,
  SequenceUnwrapper,
  SequenceTracker,
  type SequenceCheck,
} from './sequence.js';
export { ReorderBuffer, type ReorderBufferOptions } from './reorder.js';
export {
  DEFAULT_MAX_PAYLOAD_SIZE,
  RtpPacketizerBase,
  RtpDepacketizerBase,
  FramePerPacketDepacketizer,
  FramePerPacketPacketizer,
  rtpPacketToBuffer,
  framePacket,
  randomUint32,
  type RtpFrame,
  type RtpPacketOut,
  type RtpPacketizer,
  type RtpPacketizerOptions,
  type RtpDepacketizer,
  type DepacketizerStats,
} from './payload.js';
export { parseFmtp, buildFmtp, fmtpInt, fmtpBase64List } from './fmtp.js';
export {
  NalDepacketizerBase,
  DEFAULT_MAX_FRAME_SIZE,
  nalBytes,
  type NalDepacketizerOptions,
  type NalUnit,
} from './nal-depacketizer.js';
export { NalPacketizerBase, splitAvccFrame, type NalPacketizerOptions } from './nal-packetizer.js';
export { PayloadKind, UnwatchedGop, type PayloadClassifier, type UnwatchedGopOptions } from './unwatched-gop.js';
