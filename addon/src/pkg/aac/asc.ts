import { AacBitReader } from './bits.js';
import { AacError } from './errors.js';

/** ISO/IEC 14496-3 1.6.3.4 samplingFrequencyIndex. */
const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/**
 * An AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) read strictly, bit by bit, for what RTP transport needs
 * beyond config.ts's leading fields: the frame length (AU duration) and the exact bit length when it is
 * embedded in a LATM StreamMuxConfig.
 */
export interface AudioSpecificConfig {
  /** audioObjectType: 2 AAC-LC, 5 SBR (HE-AAC), 29 PS, 23 LD, 39 ELD... (the core type after SBR/PS). */
  readonly objectType: number;
  /** The output rate (the extension rate for explicit SBR/PS). */
  readonly sampleRate: number;
  /** channelConfiguration; 0 means "in a program config element". */
  readonly channels: number;
  /**
   * Samples per access unit at `sampleRate`: 1024 or 960 (frameLengthFlag), 512 or 480 for LD/ELD, doubled
   * when SBR is signalled (HE-AAC outputs twice the core's samples at twice its rate).
   */
  readonly frameLength: number;
}

const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

function objectType(r: AacBitReader): number {
  const type = r.u(5, 'audioObjectType');
  return type === 31 ? 32 + r.u(6, 'audioObjectTypeExt') : type;
}

function sampleRate(r: AacBitReader): number {
  const index = r.u(4, 'samplingFrequencyIndex');
  const rate = index === 15 ? r.u(24, 'samplingFrequency') : SAMPLE_RATES[index];
  if (rate === undefined) throw new AacError('AAC_BAD_CONFIG', `samplingFrequencyIndex ${index} is reserved`);
  if (rate === 0) throw new AacError('AAC_BAD_CONFIG', 'sampling frequency 0');
  return rate;
}

/** Reads an AudioSpecificConfig at the reader's position up to the frame length flag. */
export function readAudioSpecificConfig(r: AacBitReader): AudioSpecificConfig {
  let type = objectType(r);
  let rate = sampleRate(r);
  const channels = r.u(4, 'channelConfiguration');
  const explicitSbr = type === 5 || type === 29;
  if (explicitSbr) {
    // Explicit SBR/PS: the output rate is the extension rate; the core object type follows.
    rate = sampleRate(r);
    type = objectType(r);
    if (type === 22) r.u(4, 'extensionChannelConfiguration');
  }
  let frameLength = 1024;
  if (GA_OBJECT_TYPES.has(type)) {
    const short = r.u(1, 'frameLengthFlag') === 1;
    frameLength = type === 23 ? (short ? 480 : 512) : short ? 960 : 1024;
  } else if (type === 39) {
    frameLength = r.u(1, 'frameLengthFlag') === 1 ? 480 : 512;
  }
  return { objectType: type, sampleRate: rate, channels, frameLength: explicitSbr ? frameLength * 2 : frameLength };
}

/** Parses AudioSpecificConfig bytes (an esds DecoderSpecificInfo or an RTP `config=`). Throws AacError. */
export function parseAudioSpecificConfig(asc: Buffer): AudioSpecificConfig {
  return readAudioSpecificConfig(new AacBitReader(asc, 'AudioSpecificConfig'));
}

/**
 * Reads an AudioSpecificConfig including the rest of its GASpecificConfig, leaving the reader exactly after
 * it: what an embedded config (LATM StreamMuxConfig version 0) needs. Throws AAC_UNSUPPORTED for forms whose
 * length cannot be known without parsing far more (program config elements, ELD, non-GA objects).
 */
export function readEmbeddedAudioSpecificConfig(r: AacBitReader): AudioSpecificConfig {
  const config = readAudioSpecificConfig(r);
  if (config.channels === 0 || !GA_OBJECT_TYPES.has(config.objectType)) {
    throw new AacError('AAC_UNSUPPORTED', `cannot delimit an AudioSpecificConfig of object type ${config.objectType}`);
  }
  if (r.u(1, 'dependsOnCoreCoder')) r.u(14, 'coreCoderDelay');
  const extensionFlag = r.u(1, 'extensionFlag');
  if (config.objectType === 6 || config.objectType === 20) r.u(3, 'layerNr');
  if (extensionFlag) {
    if (config.objectType === 22) r.u(16, 'numOfSubFrame and layer_length');
    if (config.objectType >= 17 && config.objectType <= 23) r.u(3, 'resilience flags');
    r.u(1, 'extensionFlag3');
  }
  return backwardCompatibleSbr(r, config);
}

/**
 * The backward-compatible SBR signalling some encoders append (syncExtensionType 0x2b7, ISO/IEC 14496-3
 * 1.6.5.2): read when at least 16 bits are left, as decoders do; it raises the output rate.
 */
function backwardCompatibleSbr(r: AacBitReader, config: AudioSpecificConfig): AudioSpecificConfig {
  if (r.bitsLeft < 16) return config;
  const at = r.pos;
  if (r.u(11, 'syncExtensionType') !== 0x2b7) {
    r.pos = at;
    return config;
  }
  const extension = objectType(r);
  if (extension !== 5) return config;
  if (r.u(1, 'sbrPresentFlag') === 0) return config;
  const rate = sampleRate(r);
  if (r.bitsLeft >= 12) {
    const ps = r.pos;
    if (r.u(11, 'syncExtensionType') === 0x548) r.u(1, 'psPresentFlag');
    else r.pos = ps;
  }
  return { ...config, sampleRate: rate, frameLength: config.frameLength * 2 };
}

/** How many bits of `asc` its syntax uses (see readEmbeddedAudioSpecificConfig). */
export function audioSpecificConfigBits(asc: Buffer): number {
  const r = new AacBitReader(asc, 'AudioSpecificConfig');
  readEmbeddedAudioSpecificConfig(r);
  return r.pos;
}
