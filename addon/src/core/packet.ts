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
   * grows within one source session; a source's track receiver shifts a session whose clock starts over to
   * follow the last one (core/track.ts `continuousTime`), so consumers see it grow across reconnects too.
   */
  readonly timestamp: number;
  /** Video: the frame starts a decodable sequence (IDR/IRAP, or any JPEG). Audio: always true. */
  readonly keyframe: boolean;
  /**
   * H264/H265 from RTP: how the source cut this frame into packets, so an RTP output of the same codec sends
   * the same packets (as go2rtc forwards a camera's RTP) instead of cutting it again. Absent when the frame did
   * not come from RTP or its NAL units changed on the way (parameter sets inserted before a key frame).
   */
  readonly rtpLayout?: RtpLayout | undefined;
}

/**
 * The RTP payloads a NAL-unit frame arrived in, as positions in its AVCC payload: four numbers per packet
 * (kind, NAL unit index, and a byte range or count; pkg/rtp/layout.ts writes and reads them).
 */
export interface RtpLayout {
  /** 1 for H264, 2 for H265: a layout is only read by a packetizer of its own format. */
  readonly nalHeaderSize: number;
  readonly units: Uint32Array;
}

export function packetSize(packet: Packet): number {
  return packet.payload.length;
}
