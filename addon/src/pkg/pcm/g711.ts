/**
 * G.711 (ITU-T G.711) mu-law and A-law to and from 16-bit linear PCM, by table: 256 entries to decode
 * (from the segment formulas), a 65536-entry table to encode, built once.
 */

function decodeUlawSample(u: number): number {
  const v = ~u & 0xff;
  const t = (((v & 0x0f) << 3) + 0x84) << ((v & 0x70) >> 4);
  return v & 0x80 ? 0x84 - t : t - 0x84;
}

function decodeAlawSample(a: number): number {
  const v = a ^ 0x55;
  const exponent = (v & 0x70) >> 4;
  let t = (v & 0x0f) << 4;
  t = exponent === 0 ? t + 8 : (t + 0x108) << (exponent - 1);
  return v & 0x80 ? t : -t;
}

const ULAW_DECODE = Int16Array.from({ length: 256 }, (_, i) => decodeUlawSample(i));
const ALAW_DECODE = Int16Array.from({ length: 256 }, (_, i) => decodeAlawSample(i));

/**
 * Encoding picks the code whose level is nearest, deciding at the midpoints between adjacent levels
 * measured in 14-bit units (the precision G.711 works in), the same on both signs. This is what ffmpeg's
 * pcm_mulaw/pcm_alaw encoders do, so both produce identical bytes.
 */
function encodeTable(decode: Int16Array, positive: (code: number) => boolean): Uint8Array {
  const byLevel = (sign: boolean) =>
    Array.from({ length: 256 }, (_, c) => c)
      .filter((c) => positive(c) === sign)
      .sort((a, b) => Math.abs(decode[a] ?? 0) - Math.abs(decode[b] ?? 0));
  const up = byLevel(true);
  const down = byLevel(false);
  const thresholds = up
    .slice(0, -1)
    .map((c, i) => (Math.abs(decode[c] ?? 0) + Math.abs(decode[up[i + 1] ?? 0] ?? 0) + 4) >> 3);
  const level = (j: number) => {
    let i = 0;
    while (i < thresholds.length && j >= (thresholds[i] ?? 0)) i++;
    return i;
  };
  const table = new Uint8Array(65536);
  for (let s = -32768; s < 32768; s++) {
    const index = (s + 32768) >> 2;
    const code = index >= 8192 ? up[level(index - 8192)] : down[level(8192 - index)];
    table[s + 32768] = code ?? 0;
  }
  // The lowest 14-bit step has no negative mirror: it encodes like the one above it.
  for (let s = -32768; s < -32764; s++) table[s + 32768] = table[-32764 + 32768] ?? 0;
  return table;
}

// Built on first use: importing the package for decoding alone should not pay for them.
let ulawEncode: Uint8Array | undefined;
let alawEncode: Uint8Array | undefined;

export function decodeUlaw(data: Uint8Array): Int16Array {
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = ULAW_DECODE[data[i] ?? 0] ?? 0;
  return out;
}

export function decodeAlaw(data: Uint8Array): Int16Array {
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = ALAW_DECODE[data[i] ?? 0] ?? 0;
  return out;
}

export function encodeUlaw(samples: Int16Array): Buffer {
  ulawEncode ??= encodeTable(ULAW_DECODE, (c) => (c & 0x80) !== 0);
  const table = ulawEncode;
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = table[(samples[i] ?? 0) + 32768] ?? 0;
  return out;
}

export function encodeAlaw(samples: Int16Array): Buffer {
  alawEncode ??= encodeTable(ALAW_DECODE, (c) => ((c ^ 0x55) & 0x80) !== 0);
  const table = alawEncode;
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = table[(samples[i] ?? 0) + 32768] ?? 0;
  return out;
}

/** L16 (RFC 3551 4.5.11) is big-endian signed 16-bit; a trailing odd byte is ignored. */
export function decodeL16(data: Buffer): Int16Array {
  const out = new Int16Array(data.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = data.readInt16BE(i * 2);
  return out;
}

export function encodeL16(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16BE(samples[i] ?? 0, i * 2);
  return out;
}
