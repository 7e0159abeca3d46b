export { opusPacketDuration } from './toc.js';
export { OpusDepacketizer } from './rtp-depacketizer.js';
export { OpusPacketizer, type OpusPacketizerOptions } from './rtp-packetizer.js';
