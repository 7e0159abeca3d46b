import { FlvError } from './errors.js';

/** Video codecs an FLV/RTMP video tag can carry here: legacy AVC (CodecID 7) and enhanced-RTMP FourCCs. */
export type FlvVideoCodec = 'H264' | 'H265';

/** Legacy VIDEODATA CodecID (FLV spec E.4.3.1). 12 is the pre-standard HEVC id some Chinese servers use. */
const CODEC_ID_AVC = 7;
const CODEC_ID_HEVC_LEGACY = 12;

/** enhanced-RTMP (veovera/enhanced-rtmp v1) PacketType values. */
export const ExVideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  CodedFramesX: 3,
  Metadata: 4,
  Mpeg2TsSequenceStart: 5,
} as const;

const FOURCC: Record<string, FlvVideoCodec> = { avc1: 'H264', hvc1: 'H265' };

export type FlvVideoTag =
  /** avcC / hvcC record. */
  | { readonly kind: 'config'; readonly codec: FlvVideoCodec; readonly record: Buffer }
  /** Length-prefixed NAL units (prefix size from the record), `cts` = PTS - DTS in ms. */
  | {
      readonly kind: 'frame';
      readonly codec: FlvVideoCodec;
      readonly keyframe: boolean;
      readonly cts: number;
      readonly data: Buffer;
    }
  | { readonly kind: 'end'; readonly codec: FlvVideoCodec }
  /** A codec or packet type we do not carry (VP6, AV1, enhanced metadata, command frames). */
  | { readonly kind: 'other'; readonly codecId: number | string };

function si24(data: Buffer, at: number): number {
  const v = data.readUIntBE(at, 3);
  return v & 0x800000 ? v - 0x1000000 : v;
}

/** Parses a VIDEODATA body (FLV tag or RTMP video message), legacy or enhanced-RTMP. */
export function parseVideoTag(data: Buffer): FlvVideoTag {
  const first = data[0];
  if (first === undefined) throw new FlvError('FLV_TRUNCATED', 'empty video tag');
  if (first & 0x80) {
    // enhanced-RTMP: [IsExHeader:1][FrameType:3][PacketType:4][FourCC:32]
    const frameType = (first >> 4) & 0x07;
    const packetType = first & 0x0f;
    if (data.length < 5) throw new FlvError('FLV_TRUNCATED', 'enhanced video tag shorter than its FourCC');
    const fourcc = data.toString('latin1', 1, 5);
    const codec = FOURCC[fourcc];
    // FrameType 5 is a command frame (no video data), whatever the packet type.
    if (codec === undefined || frameType === 5) return { kind: 'other', codecId: fourcc };
    switch (packetType) {
      case ExVideoPacketType.SequenceStart:
        return { kind: 'config', codec, record: data.subarray(5) };
      case ExVideoPacketType.CodedFrames:
        if (data.length < 8)
          throw new FlvError('FLV_TRUNCATED', 'enhanced coded frame shorter than its composition time');
        return { kind: 'frame', codec, keyframe: frameType === 1, cts: si24(data, 5), data: data.subarray(8) };
      case ExVideoPacketType.CodedFramesX:
        return { kind: 'frame', codec, keyframe: frameType === 1, cts: 0, data: data.subarray(5) };
      case ExVideoPacketType.SequenceEnd:
        return { kind: 'end', codec };
      default:
        return { kind: 'other', codecId: fourcc };
    }
  }
  const frameType = first >> 4;
  const codecId = first & 0x0f;
  const codec: FlvVideoCodec | undefined =
    codecId === CODEC_ID_AVC ? 'H264' : codecId === CODEC_ID_HEVC_LEGACY ? 'H265' : undefined;
  if (codec === undefined || frameType === 5) return { kind: 'other', codecId };
  if (data.length < 5) throw new FlvError('FLV_TRUNCATED', 'AVC video tag shorter than its 5-byte header');
  switch (data[1]) {
    case 0:
      return { kind: 'config', codec, record: data.subarray(5) };
    case 1:
      return { kind: 'frame', codec, keyframe: frameType === 1, cts: si24(data, 2), data: data.subarray(5) };
    case 2:
      return { kind: 'end', codec };
    default:
      throw new FlvError('FLV_BAD_TAG', `AVCPacketType ${data[1] ?? 0}`);
  }
}

/**
 * A VIDEODATA body: legacy AVC for H264 (what every RTMP player reads), enhanced-RTMP `hvc1` for H265.
 * `payload` is the record for a config, the length-prefixed NAL units for a frame.
 */
export function buildVideoTag(
  codec: FlvVideoCodec,
  packet: { config: true; payload: Buffer } | { config: false; keyframe: boolean; cts: number; payload: Buffer },
): Buffer {
  const keyframe = packet.config || packet.keyframe;
  const cts = packet.config ? 0 : packet.cts;
  if (codec === 'H264') {
    const head = Buffer.alloc(5);
    head[0] = ((keyframe ? 1 : 2) << 4) | CODEC_ID_AVC;
    head[1] = packet.config ? 0 : 1;
    head.writeIntBE(cts, 2, 3);
    return Buffer.concat([head, packet.payload]);
  }
  const head = Buffer.alloc(packet.config ? 5 : 8);
  head[0] =
    0x80 |
    ((keyframe ? 1 : 2) << 4) |
    (packet.config ? ExVideoPacketType.SequenceStart : ExVideoPacketType.CodedFrames);
  head.write('hvc1', 1, 'latin1');
  if (!packet.config) head.writeIntBE(cts, 5, 3);
  return Buffer.concat([head, packet.payload]);
}
