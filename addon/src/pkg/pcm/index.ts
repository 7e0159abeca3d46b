export { decodeUlaw, decodeAlaw, encodeUlaw, encodeAlaw, decodeL16, encodeL16 } from './g711.js';
export { PcmDepacketizer } from './rtp-depacketizer.js';
export { PcmPacketizer, type PcmPacketizerOptions } from './rtp-packetizer.js';
