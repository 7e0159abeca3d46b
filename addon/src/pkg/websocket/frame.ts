/**
 * The header of an unmasked, unfragmented WebSocket binary frame (RFC 6455 5.2), as a server sends it: FIN and
 * opcode 2, then the payload length in 7 bits, or 126 and 16 bits, or 127 and 64 bits (network order).
 * A server that writes the payload's parts after it sends one message without joining them first.
 */
export function binaryFrameHeader(payloadLength: number): Buffer {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`WebSocket payload length ${payloadLength}`);
  }
  const FIN_BINARY = 0x82;
  if (payloadLength <= 125) return Buffer.from([FIN_BINARY, payloadLength]);
  if (payloadLength <= 0xffff) {
    const header = Buffer.allocUnsafe(4);
    header[0] = FIN_BINARY;
    header[1] = 126;
    header.writeUInt16BE(payloadLength, 2);
    return header;
  }
  const header = Buffer.allocUnsafe(10);
  header[0] = FIN_BINARY;
  header[1] = 127;
  header.writeUInt32BE(Math.floor(payloadLength / 0x100000000), 2);
  header.writeUInt32BE(payloadLength >>> 0, 6);
  return header;
}
