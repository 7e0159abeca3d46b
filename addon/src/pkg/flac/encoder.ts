import { crc16, crc8 } from './crc.js';
import { FlacError } from './errors.js';

/**
 * The largest frame this encoder writes, also written as both STREAMINFO block size bounds. go2rtc found
 * that Apple's players need the two bounds equal and at most 32768; browsers and FFmpeg accept it.
 */
export const MAX_BLOCK_SIZE = 32768;

/** Sample numbers are coded in at most 36 bits (RFC 9639 9.1.5); the count wraps there. */
const SAMPLE_NUMBER_LIMIT = 2 ** 36;

export interface FlacEncoderOptions {
  /** 1 to 655350 Hz (STREAMINFO holds 20 bits; common rates also get a frame-header code). */
  readonly sampleRate: number;
  /** 1 or 2; two channels are coded independently (left, right). */
  readonly channels: number;
}

// Frame-header sample rate codes (RFC 9639 9.1.2); other rates use 0 = "see STREAMINFO".
const RATE_CODES = new Map<number, number>([
  [88200, 0b0001],
  [176400, 0b0010],
  [192000, 0b0011],
  [8000, 0b0100],
  [16000, 0b0101],
  [22050, 0b0110],
  [24000, 0b0111],
  [32000, 0b1000],
  [44100, 0b1001],
  [48000, 0b1010],
  [96000, 0b1011],
]);

/**
 * A FLAC encoder that stores 16-bit PCM verbatim: no prediction, no compression, a few bytes of framing per
 * frame. Its point is the container, not the size: FLAC in MP4 is how G.711 and PCM cameras play in MSE
 * without a transcoder. Frames use the variable block size strategy, so every input frame (however many
 * samples an RTP packet carried) becomes exactly one FLAC frame.
 */
export class FlacEncoder {
  readonly sampleRate: number;
  readonly channels: number;
  private readonly rateCode: number;
  private sampleNumber = 0;

  constructor(options: FlacEncoderOptions) {
    const { sampleRate, channels } = options;
    if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 655350) {
      throw new FlacError('FLAC_BAD_FORMAT', `sample rate ${sampleRate}`);
    }
    if (channels !== 1 && channels !== 2)
      throw new FlacError('FLAC_BAD_FORMAT', `${channels} channels (1 or 2 supported)`);
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.rateCode = RATE_CODES.get(sampleRate) ?? 0;
  }

  /** Samples (per channel) encoded so far, modulo 2^36. */
  get position(): number {
    return this.sampleNumber;
  }

  /** The 34-byte STREAMINFO block body (RFC 9639 8.2), for a dfLa box or a `fLaC` file header. */
  streamInfo(): Buffer {
    const out = Buffer.alloc(34);
    out.writeUInt16BE(MAX_BLOCK_SIZE, 0);
    out.writeUInt16BE(MAX_BLOCK_SIZE, 2);
    // Frame sizes (bytes 4..9), the total sample count and the MD5 stay 0: unknown for a live stream.
    // Bits: sample rate (20), channels - 1 (3), bits per sample - 1 (5), total samples (36).
    out[10] = (this.sampleRate >>> 12) & 0xff;
    out[11] = (this.sampleRate >>> 4) & 0xff;
    out[12] = ((this.sampleRate & 0x0f) << 4) | ((this.channels - 1) << 1) | (15 >>> 4);
    out[13] = (15 & 0x0f) << 4;
    return out;
  }

  /** One frame from interleaved signed 16-bit samples (1 to MAX_BLOCK_SIZE per channel). */
  encode(samples: Int16Array): Buffer {
    if (samples.length % this.channels !== 0) {
      throw new FlacError('FLAC_BLOCK_SIZE', `${samples.length} samples do not split into ${this.channels} channels`);
    }
    const blockSize = samples.length / this.channels;
    if (blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
      throw new FlacError('FLAC_BLOCK_SIZE', `block of ${blockSize} samples (1..${MAX_BLOCK_SIZE})`);
    }
    // Header at most 4 + 7 + 2 + 1 bytes; each subframe 1 + 2 per sample; footer 2.
    const out = Buffer.allocUnsafe(14 + this.channels * (1 + 2 * blockSize) + 2);
    out[0] = 0xff;
    out[1] = 0xf9; // sync code, reserved 0, variable block size
    const small = blockSize <= 256;
    out[2] = ((small ? 0b0110 : 0b0111) << 4) | this.rateCode;
    out[3] = ((this.channels - 1) << 4) | (0b100 << 1); // independent channels, 16 bits per sample
    let pos = 4 + writeCodedNumber(out, 4, this.sampleNumber);
    if (small) {
      out[pos++] = blockSize - 1;
    } else {
      out.writeUInt16BE(blockSize - 1, pos);
      pos += 2;
    }
    out[pos] = crc8(out, 0, pos);
    pos++;
    for (let channel = 0; channel < this.channels; channel++) {
      out[pos++] = 0x02; // zero pad bit, VERBATIM subframe type, no wasted bits
      for (let i = channel; i < samples.length; i += this.channels) {
        out.writeInt16BE(samples[i] ?? 0, pos);
        pos += 2;
      }
    }
    out.writeUInt16BE(crc16(out, 0, pos), pos);
    pos += 2;
    this.sampleNumber = (this.sampleNumber + blockSize) % SAMPLE_NUMBER_LIMIT;
    return out.subarray(0, pos);
  }
}

/**
 * FLAC's "UTF-8-like" coded number (RFC 9639 9.1.5), extended to 36 bits: a leading byte whose high bits
 * count the bytes, then 6 payload bits per continuation byte. Returns the bytes written.
 */
export function writeCodedNumber(out: Uint8Array, pos: number, value: number): number {
  if (value < 0x80) {
    out[pos] = value;
    return 1;
  }
  let extra: number;
  if (value < 0x800) extra = 1;
  else if (value < 0x10000) extra = 2;
  else if (value < 0x200000) extra = 3;
  else if (value < 0x4000000) extra = 4;
  else if (value < 0x80000000) extra = 5;
  else extra = 6;
  let rest = value;
  for (let i = extra; i >= 1; i--) {
    out[pos + i] = 0x80 | (rest % 64);
    rest = Math.floor(rest / 64);
  }
  // Lead byte: `extra + 1` one bits, a zero, then the top payload bits (none for the 7-byte form).
  const lead = (0xff00 >> (extra + 1)) & 0xff;
  out[pos] = lead | rest;
  return extra + 1;
}
