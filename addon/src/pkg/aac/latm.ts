import { AacBitReader, AacBitWriter } from './bits.js';
import {
  audioSpecificConfigBits,
  readAudioSpecificConfig,
  readEmbeddedAudioSpecificConfig,
  type AudioSpecificConfig,
} from './asc.js';
import { AacError } from './errors.js';

/** A LATM StreamMuxConfig (ISO/IEC 14496-3 1.7.3) with one program and one layer, the only form cameras send. */
export interface StreamMuxConfig {
  readonly audioMuxVersion: number;
  readonly allStreamsSameTimeFraming: boolean;
  /** Access units per AudioMuxElement minus one. */
  readonly numSubFrames: number;
  readonly config: AudioSpecificConfig;
  /** The embedded AudioSpecificConfig as bytes (what MP4 and mpeg4-generic carry). */
  readonly asc: Buffer;
  /** Bits of other data after the payloads of each AudioMuxElement. */
  readonly otherDataBits: number;
}

function latmValue(r: AacBitReader, field: string): number {
  const bytes = r.u(2, `${field} bytesForValue`) + 1;
  return r.u(8 * bytes, field);
}

/** Parses the bytes of an RFC 6416 `config=` (cpresent=0). */
export function parseStreamMuxConfig(smc: Buffer): StreamMuxConfig {
  const r = new AacBitReader(smc, 'StreamMuxConfig');
  const audioMuxVersion = r.u(1, 'audioMuxVersion');
  if (audioMuxVersion === 1 && r.u(1, 'audioMuxVersionA') === 1) {
    throw new AacError('AAC_UNSUPPORTED', 'audioMuxVersionA 1 is reserved');
  }
  if (audioMuxVersion === 1) latmValue(r, 'taraBufferFullness');
  const allStreamsSameTimeFraming = r.u(1, 'allStreamsSameTimeFraming') === 1;
  const numSubFrames = r.u(6, 'numSubFrames');
  const numProgram = r.u(4, 'numProgram');
  const numLayer = r.u(3, 'numLayer');
  if (numProgram !== 0 || numLayer !== 0) {
    throw new AacError('AAC_UNSUPPORTED', `LATM with ${numProgram + 1} programs and ${numLayer + 1} layers`);
  }
  let config: AudioSpecificConfig;
  let ascStart: number;
  let ascEnd: number;
  if (audioMuxVersion === 0) {
    ascStart = r.pos;
    config = readEmbeddedAudioSpecificConfig(r);
    ascEnd = r.pos;
  } else {
    const length = latmValue(r, 'ascLen');
    ascStart = r.pos;
    if (length > r.bitsLeft) throw new AacError('AAC_TRUNCATED', `ascLen ${length} bits, ${r.bitsLeft} left`);
    config = readAudioSpecificConfig(r);
    ascEnd = ascStart + length;
    r.pos = ascEnd;
  }
  // GStreamer's rtpmp4apay copies the whole (byte-padded) AudioSpecificConfig and stops there: like ffmpeg,
  // read the fields after it as zeros when they are missing.
  const frameLengthType = r.uOrZero(3);
  if (frameLengthType !== 0) throw new AacError('AAC_UNSUPPORTED', `frameLengthType ${frameLengthType} (not AAC)`);
  r.uOrZero(8);
  let otherDataBits = 0;
  if (r.uOrZero(1) === 1) {
    if (audioMuxVersion === 1) {
      otherDataBits = latmValue(r, 'otherDataLenBits');
    } else {
      let escape = 1;
      for (let i = 0; escape === 1; i++) {
        if (i >= 4) throw new AacError('AAC_BAD_CONFIG', 'otherDataLenBits longer than 32 bits');
        escape = r.u(1, 'otherDataLenEsc');
        otherDataBits = otherDataBits * 256 + r.u(8, 'otherDataLenTmp');
      }
    }
  }
  if (r.uOrZero(1) === 1) r.uOrZero(8);
  return {
    audioMuxVersion,
    allStreamsSameTimeFraming,
    numSubFrames,
    config,
    asc: r.slice(ascStart, ascEnd),
    otherDataBits,
  };
}

/** The StreamMuxConfig we write for one AAC stream: version 0, one program, one layer, one AU per element. */
export function buildStreamMuxConfig(asc: Buffer): Buffer {
  const bits = audioSpecificConfigBits(asc);
  const w = new AacBitWriter();
  w.u(1, 0); // audioMuxVersion
  w.u(1, 1); // allStreamsSameTimeFraming
  w.u(6, 0); // numSubFrames
  w.u(4, 0); // numProgram
  w.u(3, 0); // numLayer
  w.bits(asc, bits);
  w.u(3, 0); // frameLengthType: AAC, variable frame length
  w.u(8, 0xff); // latmBufferFullness: not used
  w.u(1, 0); // otherDataPresent
  w.u(1, 0); // crcCheckPresent
  return w.toBuffer();
}
