export { JpegError, type JpegErrorCode } from './errors.js';
export { parseJpeg, buildJpegHeader, type JpegImage, type JpegHeaderInput } from './jfif.js';
export { ZIGZAG, scaledQuantTables, STANDARD_HUFFMAN_TABLES, type HuffmanTable } from './tables.js';
export { JpegDepacketizer, type JpegDepacketizerOptions } from './rtp-depacketizer.js';
export { JpegPacketizer, type JpegPacketizerOptions } from './rtp-packetizer.js';
