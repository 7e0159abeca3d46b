import type { Codec } from '../../core/codec.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import { FlvMuxer, type FlvMuxerTrack, type FlvTag } from '../../pkg/flv/index.js';

/** What an RTMP/FLV player can take: legacy FLV codecs (every player reads these). */
export const PLAYER_MEDIAS: readonly Media[] = [
  { kind: 'video', direction: 'sendonly', codecs: [{ name: 'H264', clockRate: 90000, channels: 0 }] },
  {
    kind: 'audio',
    direction: 'sendonly',
    codecs: [
      { name: 'AAC', clockRate: 0, channels: 0 },
      { name: 'PCMA', clockRate: 8000, channels: 1 },
      { name: 'PCMU', clockRate: 8000, channels: 1 },
    ],
  },
];

export interface FlvTrack {
  readonly kind: 'video' | 'audio';
  readonly codec: Codec;
  base?: { timestamp: number; ms: number };
}

/**
 * Hub frames → FLV tags with ms timestamps, shared by the RTMP player and HTTP-FLV. Each track's clock starts
 * at the wall-clock offset of its first frame, since sources do not share a timestamp origin across tracks.
 */
export class FlvStreamWriter {
  private muxer: FlvMuxer | undefined;
  private readonly tracks: FlvTrack[] = [];
  private readonly started = performance.now();

  addTrack(kind: 'video' | 'audio', codec: Codec): FlvTrack {
    const track: FlvTrack = { kind, codec };
    this.tracks.push(track);
    return track;
  }

  /** Call after every track is added: the metadata tag, and the muxer for the frames. */
  begin(): FlvTag {
    const asMuxer = (t: FlvTrack | undefined): FlvMuxerTrack | undefined =>
      t && {
        codec: t.codec.name as FlvMuxerTrack['codec'],
        clockRate: t.codec.clockRate,
        channels: t.codec.channels,
        fmtp: t.codec.fmtp,
      };
    this.muxer = new FlvMuxer(
      asMuxer(this.tracks.find((t) => t.kind === 'video')),
      asMuxer(this.tracks.find((t) => t.kind === 'audio')),
    );
    return this.muxer.metadataTag();
  }

  get hasVideo(): boolean {
    return this.tracks.some((t) => t.kind === 'video');
  }

  get hasAudio(): boolean {
    return this.tracks.some((t) => t.kind === 'audio');
  }

  tags(track: FlvTrack, packet: Packet): FlvTag[] {
    const muxer = this.muxer;
    if (muxer === undefined) return [];
    const clock = track.codec.clockRate || 90000;
    track.base ??= { timestamp: packet.timestamp, ms: performance.now() - this.started };
    const ms = Math.max(0, Math.round(track.base.ms + ((packet.timestamp - track.base.timestamp) * 1000) / clock));
    return track.kind === 'video'
      ? muxer.videoTags(packet.payload, packet.keyframe, ms)
      : muxer.audioTags(packet.payload, ms);
  }
}
