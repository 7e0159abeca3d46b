/**
 * The two checksums of a FLAC frame (RFC 9639 9.1.8 and 9.3): CRC-8 of the header, polynomial
 * x^8 + x^2 + x + 1, and CRC-16 of the whole frame, polynomial x^16 + x^15 + x^2 + 1; both start at 0, MSB first.
 */
function table(width: 8 | 16, polynomial: number): Uint16Array {
  const top = 1 << (width - 1);
  const mask = (1 << width) - 1;
  const out = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << (width - 8);
    for (let bit = 0; bit < 8; bit++) crc = crc & top ? ((crc << 1) ^ polynomial) & mask : (crc << 1) & mask;
    out[i] = crc;
  }
  return out;
}

const CRC8 = table(8, 0x07);
const CRC16 = table(16, 0x8005);

export function crc8(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = CRC8[crc ^ (data[i] ?? 0)] ?? 0;
  return crc;
}

export function crc16(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ (CRC16[(crc >> 8) ^ (data[i] ?? 0)] ?? 0);
  return crc;
}
