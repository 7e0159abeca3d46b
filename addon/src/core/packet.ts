/**
 * One media unit as it travels through the hub: a whole video access unit or a whole audio frame.
 *
 * The hub carries frames rather than RTP packets so that every consumer format (RTSP, WebRTC, fMP4, MJPEG)
 * starts from the same unit, the GOP cache and the drop policy work on frame boundaries, and a source that
 * is not RTP (MP4 file, RTMP, pipes) needs no fake packetization. RTP producers depacketize once; RTP
 * consumers packetize per connection from subarrays, so frames are never copied per consumer.
 *
 * Created once by a producer and shared by reference with every consumer: nobody mutates a packet (or its
 * payload bytes) after it is published.
 */
export interface Packet {
  /**
   * H264/H265: AVCC, i.e. NAL units each prefixed by a 4-byte big-endian length; key frames carry their
   * parameter sets in-band. AAC: one raw access unit. Opus, G.711, PCM: one frame. JPEG: one image.
   */
  readonly payload: Buffer;
  /**
   * Presentation time in the codec's clock-rate units. Unwrapped (a JS number, not a uint32), so it only
   * grows within one source session; it may jump when a source reconnects.
   */
  readonly timestamp: number;
  /** Video: the frame starts a decodable sequence (IDR/IRAP, or any JPEG). Audio: always true. */
  readonly keyframe: boolean;
}

export function packetSize(packet: Packet): number {
  return packet.payload.length;
}
