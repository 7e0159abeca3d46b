/** Samples at 48 kHz of one frame, by TOC config number (RFC 6716 3.1, Table 2). */
const FRAME_SAMPLES = [
  480,
  960,
  1920,
  2880,
  480,
  960,
  1920,
  2880,
  480,
  960,
  1920,
  2880, // SILK NB/MB/WB: 10, 20, 40, 60 ms
  480,
  960,
  480,
  960, // hybrid SWB/FB: 10, 20 ms
  120,
  240,
  480,
  960,
  120,
  240,
  480,
  960,
  120,
  240,
  480,
  960,
  120,
  240,
  480,
  960, // CELT: 2.5, 5, 10, 20 ms
];

/** RFC 6716 3.2.5: a packet holds at most 120 ms. */
const MAX_PACKET_SAMPLES = 5760;

/**
 * Duration of an Opus packet in 48 kHz samples, from its TOC byte and frame count (RFC 6716 3.1-3.2).
 * Returns 0 for bytes that are not a valid Opus packet (empty, code 3 without its count, over 120 ms).
 */
export function opusPacketDuration(packet: Buffer): number {
  const toc = packet[0];
  if (toc === undefined) return 0;
  const perFrame = FRAME_SAMPLES[toc >> 3] ?? 0;
  let frames: number;
  switch (toc & 3) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default: {
      const count = packet[1];
      if (count === undefined) return 0;
      frames = count & 0x3f;
    }
  }
  const samples = perFrame * frames;
  return samples > MAX_PACKET_SAMPLES ? 0 : samples;
}
