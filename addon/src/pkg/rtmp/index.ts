export { RtmpError, type RtmpErrorCode } from './errors.js';
export {
  ServerHandshake,
  ClientHandshake,
  buildHello,
  HANDSHAKE_SIZE,
  RTMP_VERSION,
  type HandshakeStep,
} from './handshake.js';
export {
  ChunkReader,
  ChunkWriter,
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MAX_MESSAGE_SIZE,
  MAX_CHUNK_STREAMS,
  type RtmpMessage,
} from './chunk.js';
export {
  MessageType,
  UserControlEvent,
  ChunkStreamId,
  setChunkSize,
  acknowledgement,
  windowAckSize,
  setPeerBandwidth,
  userControl,
  parseUserControl,
  command,
  parseCommand,
  statusInfo,
  onStatus,
  AckCounter,
  type OutgoingMessage,
  type RtmpCommand,
  type UserControlMessage,
} from './messages.js';
export { parseRtmpUrl, DEFAULT_RTMP_PORT, type RtmpUrl } from './url.js';
