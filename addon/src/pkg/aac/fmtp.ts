import { buildFmtp, fmtpInt, parseFmtp } from '../rtp/fmtp.js';
import { AacError } from './errors.js';

/** RFC 3640 4.1 parameters of an mpeg4-generic format (the AU header layout and the config). */
export interface Mpeg4GenericFmtp {
  /** `AAC-hbr`, `AAC-lbr`, ... as written; '' when absent. */
  readonly mode: string;
  readonly sizeLength: number;
  readonly indexLength: number;
  readonly indexDeltaLength: number;
  readonly ctsDeltaLength: number;
  readonly dtsDeltaLength: number;
  readonly randomAccessIndication: boolean;
  readonly streamStateIndication: number;
  readonly auxiliaryDataSizeLength: number;
  /** Bytes of every AU when the AU headers carry no size (constantSize); 0 when absent. */
  readonly constantSize: number;
  /** RTP ticks per AU when given (constantDuration); 0 when absent. */
  readonly constantDuration: number;
  /** The AudioSpecificConfig from `config=` (hex); empty when absent. */
  readonly config: Buffer;
}

/** A hex string to bytes; throws AAC_BAD_CONFIG on anything else (an odd length, non-hex digits). */
export function hexConfig(value: string | undefined): Buffer {
  if (value === undefined || value === '') return Buffer.alloc(0);
  if (!/^([0-9a-fA-F]{2})+$/.test(value))
    throw new AacError('AAC_BAD_CONFIG', `config "${value.slice(0, 40)}" is not hex bytes`);
  return Buffer.from(value, 'hex');
}

/** Bit widths above 32 make no sense for these header fields and would break the bit reader's numbers. */
function width(params: Map<string, string>, key: string): number {
  const value = fmtpInt(params, key) ?? 0;
  if (value > 32) throw new AacError('AAC_BAD_CONFIG', `${key}=${value} is wider than 32 bits`);
  return value;
}

export function parseMpeg4GenericFmtp(fmtp: string | undefined): Mpeg4GenericFmtp {
  const params = parseFmtp(fmtp);
  return {
    mode: params.get('mode') ?? '',
    sizeLength: width(params, 'sizelength'),
    indexLength: width(params, 'indexlength'),
    indexDeltaLength: width(params, 'indexdeltalength'),
    ctsDeltaLength: width(params, 'ctsdeltalength'),
    dtsDeltaLength: width(params, 'dtsdeltalength'),
    randomAccessIndication: params.get('randomaccessindication') === '1',
    streamStateIndication: width(params, 'streamstateindication'),
    auxiliaryDataSizeLength: width(params, 'auxiliarydatasizelength'),
    constantSize: fmtpInt(params, 'constantsize') ?? 0,
    constantDuration: fmtpInt(params, 'constantduration') ?? 0,
    config: hexConfig(params.get('config')),
  };
}

/**
 * The fmtp we write for AAC over mpeg4-generic, as ffmpeg and most cameras do: AAC-hbr, 13-bit sizes, 3-bit
 * indexes, the AudioSpecificConfig in hex. `profile-level-id=1` is the neutral "main audio profile L1".
 */
export function buildMpeg4GenericFmtp(asc: Buffer): string {
  return buildFmtp([
    ['streamtype', 5],
    ['profile-level-id', 1],
    ['mode', 'AAC-hbr'],
    ['sizelength', 13],
    ['indexlength', 3],
    ['indexdeltalength', 3],
    ['config', asc.toString('hex')],
  ]);
}

/** RFC 6416 7.3 parameters of an MP4A-LATM format. */
export interface LatmFmtp {
  /** 1 when the StreamMuxConfig travels in-band; absent means 1. */
  readonly cpresent: number;
  /** The StreamMuxConfig from `config=` (hex); empty when absent. */
  readonly config: Buffer;
  readonly profileLevelId?: number;
  readonly object?: number;
}

export function parseLatmFmtp(fmtp: string | undefined): LatmFmtp {
  const params = parseFmtp(fmtp);
  const profileLevelId = fmtpInt(params, 'profile-level-id');
  const object = fmtpInt(params, 'object');
  return {
    cpresent: fmtpInt(params, 'cpresent') ?? 1,
    config: hexConfig(params.get('config')),
    ...(profileLevelId !== undefined ? { profileLevelId } : {}),
    ...(object !== undefined ? { object } : {}),
  };
}

/** The fmtp we write for MP4A-LATM: out-of-band StreamMuxConfig. */
export function buildLatmFmtp(streamMuxConfig: Buffer, objectType = 2): string {
  return buildFmtp([
    ['profile-level-id', 1],
    ['cpresent', 0],
    ['object', objectType],
    ['config', streamMuxConfig.toString('hex')],
  ]);
}
