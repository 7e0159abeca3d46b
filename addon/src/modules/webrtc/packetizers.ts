import type { Codec } from '../../core/codec.js';
import type { Packet } from '../../core/packet.js';
import type { Receiver } from '../../core/track.js';
import { H264Packetizer } from '../../pkg/h264/rtp-packetizer.js';
import { H265Packetizer } from '../../pkg/h265/rtp-packetizer.js';
import { OpusPacketizer } from '../../pkg/opus/rtp-packetizer.js';
import { PcmPacketizer } from '../../pkg/pcm/rtp-packetizer.js';
import { randomUint32, type RtpPacketizer } from '../../pkg/rtp/payload.js';

/**
 * go2rtc's size: 1200-byte RTP packets (h264.RTPPay(1200) less the 12-byte header). With the SRTP tag (16)
 * and the IPv6 and UDP headers (48) a packet is 1264 bytes, inside IPv6's 1280-byte minimum MTU (we send no
 * header extensions); over ICE-TCP, TCP cuts the stream itself. It was 1100: ~13 % more packets per viewer
 * than go2rtc (504 against 447 a second at 4 Mbit/s), each with its own SRTP, HMAC and send.
 */
export const WEBRTC_MAX_PAYLOAD = 1188;

/** The project's packetizer for a codec the server sends to browsers (negotiate.ts allows only these). */
export function createPacketizer(codec: Codec, payloadType: number): RtpPacketizer {
  // A random timestamp origin per peer (RFC 3550 5.1); the source's own numbers say nothing to the browser.
  const options = { payloadType, maxPayloadSize: WEBRTC_MAX_PAYLOAD, timestampOffset: randomUint32() };
  switch (codec.name) {
    case 'H264':
      return new H264Packetizer(options);
    case 'H265':
      return new H265Packetizer(options);
    case 'OPUS':
      return new OpusPacketizer(options);
    case 'PCMU':
    case 'PCMA':
      return new PcmPacketizer(options);
    default:
      throw new Error(`webrtc: no RTP packetizer for ${codec.name}`);
  }
}

/** One RTP payload of a frame, shared by every peer that sends the same codec. */
interface SharedPayload {
  readonly payload: Buffer;
  readonly marker: boolean;
}

/**
 * One track's frames cut into WebRTC-sized RTP payloads, once for every peer (its packetizer's own numbering
 * is never used). Owned by the track (`Receiver.shared`); a frame's payloads live as long as the frame, which
 * the hub shares by reference and the GOP cache keeps.
 */
export class SharedPayloads {
  private readonly packetizer: RtpPacketizer;
  private readonly frames = new WeakMap<Packet, SharedPayload[]>();

  constructor(codec: Codec) {
    this.packetizer = createPacketizer(codec, 96);
  }

  /** The shared payloads of `receiver`'s frames sent as `codec` (created on first use). */
  static of(receiver: Receiver, codec: Codec): SharedPayloads {
    return receiver.shared(`webrtc/${codec.name}/${WEBRTC_MAX_PAYLOAD}`, () => new SharedPayloads(codec));
  }

  payloads(frame: Packet): SharedPayload[] {
    let payloads = this.frames.get(frame);
    if (!payloads) {
      payloads = this.packetizer.packetize(frame).map((out) => ({
        payload:
          out.payload.length === 1
            ? (out.payload[0] as Buffer)
            : Buffer.concat(out.payload as Buffer[], out.payloadSize),
        marker: out.marker,
      }));
      this.frames.set(frame, payloads);
    }
    return payloads;
  }
}

/** Where a packetizer hands each packet: our numbering, the (shared) payload. */
export type EmitRtp = (sequence: number, timestamp: number, marker: boolean, payload: Buffer) => void;

/** One outgoing packet for werift: our numbering, the shared payload. */
export interface PeerRtp {
  readonly payload: Buffer;
  readonly marker: boolean;
  readonly sequence: number;
  readonly timestamp: number;
}

/**
 * Video for one peer. A frame is cut into RTP payloads once for all peers of the track (`SharedPayloads`), and
 * each peer only numbers them: its own sequence numbers and timestamp origin. Fragmenting and copying a frame
 * per viewer was ~10 % of the per-viewer cost.
 */
export class PeerVideoPacketizer {
  private sequence = randomUint32() & 0xffff;
  private readonly timestampOffset = randomUint32();

  constructor(private readonly shared: SharedPayloads) {}

  packetize(frame: Packet): PeerRtp[] {
    const out: PeerRtp[] = [];
    this.each(frame, (sequence, timestamp, marker, payload) => out.push({ payload, marker, sequence, timestamp }));
    return out;
  }

  /** The frame's packets to `emit`, in order: no array or object per packet (the send path's form). */
  each(frame: Packet, emit: EmitRtp): void {
    const timestamp = (Math.trunc(frame.timestamp) + this.timestampOffset) >>> 0;
    for (const p of this.shared.payloads(frame)) {
      const sequence = this.sequence;
      this.sequence = (this.sequence + 1) & 0xffff;
      emit(sequence, timestamp, p.marker, p.payload);
    }
  }
}

/** Audio (and anything with per-stream state such as the talkspurt marker): a packetizer of its own. */
export class PeerAudioPacketizer {
  private readonly packetizer: RtpPacketizer;

  constructor(codec: Codec, payloadType: number) {
    this.packetizer = createPacketizer(codec, payloadType);
  }

  packetize(frame: Packet): PeerRtp[] {
    const out: PeerRtp[] = [];
    this.each(frame, (sequence, timestamp, marker, payload) => out.push({ payload, marker, sequence, timestamp }));
    return out;
  }

  each(frame: Packet, emit: EmitRtp): void {
    for (const out of this.packetizer.packetize(frame)) {
      const payload =
        out.payload.length === 1 ? (out.payload[0] as Buffer) : Buffer.concat(out.payload as Buffer[], out.payloadSize);
      emit(out.sequence, out.timestamp, out.marker, payload);
    }
  }
}

/** A peer's packetizer for what `receiver` carries, sent as `codec` (the negotiated one). */
export function createPeerPacketizer(
  receiver: Receiver,
  codec: Codec,
  payloadType: number,
): PeerVideoPacketizer | PeerAudioPacketizer {
  return codec.name === 'H264' || codec.name === 'H265'
    ? new PeerVideoPacketizer(SharedPayloads.of(receiver, codec))
    : new PeerAudioPacketizer(codec, payloadType);
}
