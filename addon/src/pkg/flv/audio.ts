import { FlvError } from './errors.js';

/** SoundFormat values of AUDIODATA (FLV spec E.4.2.1) that we carry. */
export const SoundFormat = { Mp3: 2, Pcma: 7, Pcmu: 8, Aac: 10 } as const;

export type FlvAudioTag =
  /** AAC AudioSpecificConfig. */
  | { readonly kind: 'config'; readonly codec: 'AAC'; readonly asc: Buffer }
  /** AAC: one raw access unit. G.711: samples at 8 kHz mono. */
  | { readonly kind: 'frame'; readonly codec: 'AAC' | 'PCMA' | 'PCMU'; readonly data: Buffer }
  | { readonly kind: 'other'; readonly soundFormat: number };

/** Parses an AUDIODATA body (FLV tag or RTMP audio message). */
export function parseAudioTag(data: Buffer): FlvAudioTag {
  const first = data[0];
  if (first === undefined) throw new FlvError('FLV_TRUNCATED', 'empty audio tag');
  const format = first >> 4;
  switch (format) {
    case SoundFormat.Aac: {
      const packetType = data[1];
      if (packetType === undefined) throw new FlvError('FLV_TRUNCATED', 'AAC audio tag without AACPacketType');
      if (packetType === 0) return { kind: 'config', codec: 'AAC', asc: data.subarray(2) };
      if (packetType === 1) return { kind: 'frame', codec: 'AAC', data: data.subarray(2) };
      throw new FlvError('FLV_BAD_TAG', `AACPacketType ${packetType}`);
    }
    case SoundFormat.Pcma:
      return { kind: 'frame', codec: 'PCMA', data: data.subarray(1) };
    case SoundFormat.Pcmu:
      return { kind: 'frame', codec: 'PCMU', data: data.subarray(1) };
    default:
      return { kind: 'other', soundFormat: format };
  }
}

/**
 * The AUDIODATA header byte: for AAC always 0xAF (format 10, "44 kHz", 16-bit, stereo), since the real rate
 * and channels are in the AudioSpecificConfig; G.711 is 8 kHz 16-bit mono by definition (0x72 / 0x82).
 */
export function audioHeaderByte(codec: 'AAC' | 'PCMA' | 'PCMU'): number {
  if (codec === 'AAC') return 0xaf;
  return ((codec === 'PCMA' ? SoundFormat.Pcma : SoundFormat.Pcmu) << 4) | 0x02;
}

export function buildAacConfigTag(asc: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xaf, 0]), asc]);
}

export function buildAacFrameTag(frame: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xaf, 1]), frame]);
}

export function buildG711Tag(codec: 'PCMA' | 'PCMU', samples: Buffer): Buffer {
  return Buffer.concat([Buffer.from([audioHeaderByte(codec)]), samples]);
}
