/** MPEG-4 audio sampling frequencies by samplingFrequencyIndex (ISO/IEC 14496-3 1.6.3.4). */
export const AAC_SAMPLE_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
] as const;

/** The fields of an AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) a muxer and a player need. */
export interface AacConfig {
  /** audioObjectType: 2 = AAC LC, 5 = SBR (HE-AAC), 29 = PS, 23 = LD, 39 = ELD. */
  readonly objectType: number;
  readonly sampleRate: number;
  /** channelConfiguration: 1..7 (7 = 7.1); 0 = described in a program config element. */
  readonly channels: number;
}

/**
 * Reads the leading fields of an AudioSpecificConfig. Returns undefined for bytes that are not one (too short,
 * reserved sampling index): callers fall back to the codec's declared rate and channels.
 */
export function parseAacConfig(asc: Uint8Array): AacConfig | undefined {
  let bit = 0;
  const read = (n: number): number | undefined => {
    if (bit + n > asc.length * 8) return undefined;
    let v = 0;
    for (let i = 0; i < n; i++, bit++) v = v * 2 + (((asc[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1);
    return v;
  };
  let objectType = read(5);
  if (objectType === 31) {
    const ext = read(6);
    objectType = ext === undefined ? undefined : 32 + ext;
  }
  const index = read(4);
  if (objectType === undefined || objectType === 0 || index === undefined) return undefined;
  const sampleRate = index === 15 ? read(24) : AAC_SAMPLE_RATES[index];
  const channels = read(4);
  if (sampleRate === undefined || sampleRate === 0 || channels === undefined) return undefined;
  return { objectType, sampleRate, channels };
}

/**
 * A two-byte (or five-byte, for unlisted rates) AudioSpecificConfig for AAC LC, for sources that state a
 * rate and channel count but no config (an RTSP `mpeg4-generic` without `config=`, a test stream).
 */
export function buildAacConfig(sampleRate: number, channels: number, objectType = 2): Buffer {
  const index = AAC_SAMPLE_RATES.indexOf(sampleRate as (typeof AAC_SAMPLE_RATES)[number]);
  const ch = Math.min(Math.max(channels, 0), 15);
  const type = Math.min(Math.max(objectType, 1), 30);
  if (index >= 0) return Buffer.from([(type << 3) | (index >> 1), ((index & 1) << 7) | (ch << 3)]);
  // samplingFrequencyIndex 15: the rate follows in 24 bits.
  const rate = Math.min(Math.max(Math.round(sampleRate), 0), 0xffffff);
  const bits = (BigInt(type) << 35n) | (15n << 31n) | (BigInt(rate) << 7n) | (BigInt(ch) << 3n);
  const out = Buffer.alloc(5);
  for (let i = 0; i < 5; i++) out[i] = Number((bits >> BigInt(8 * (4 - i))) & 0xffn);
  return out;
}
