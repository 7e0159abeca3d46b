import { randomBytes } from 'node:crypto';
import type { Packet, RtpLayout } from '../../core/packet.js';
import { RtpError } from './errors.js';
import type { RtpPacket } from './packet.js';
import { serializeRtpHeader } from './packet.js';
import { SequenceTracker, type TimestampUnwrapper } from './sequence.js';

/**
 * What a depacketizer hands out: one access unit (video) or one audio frame. Same shape as core's Packet,
 * except that `timestamp` is still the packet's uint32 RTP timestamp: the producer unwraps it
 * (TimestampUnwrapper) because only it knows when a session restarts.
 */
export interface RtpFrame {
  /**
   * H264/H265: AVCC with 4-byte lengths, parameter sets in-band on key frames. AAC: one raw access unit.
   * Opus, G.711, L16: the packet payload. JPEG: a whole JFIF image. May be a view into the packet's bytes,
   * which is why readers must never reuse a buffer they have handed out.
   */
  readonly payload: Buffer;
  /** uint32 RTP timestamp. */
  readonly timestamp: number;
  /** Video: decodable from here (IDR/IRAP, every JPEG). Audio: always true. */
  readonly keyframe: boolean;
  /** H264/H265: how the sender cut the frame into packets (see core Packet). */
  readonly rtpLayout?: RtpLayout | undefined;
}

/** A depacketized frame as the core packet a Receiver takes, its timestamp unwrapped by the session's unwrapper. */
export function framePacket(frame: RtpFrame, unwrapper: TimestampUnwrapper): Packet {
  return {
    payload: frame.payload,
    timestamp: unwrapper.unwrap(frame.timestamp),
    keyframe: frame.keyframe,
    rtpLayout: frame.rtpLayout,
  };
}

/** Counters a depacketizer keeps for the connection's stats. */
export interface DepacketizerStats {
  /** Packets missing in the sequence numbers seen. */
  packetsLost: number;
  /** Partial or undecodable frames thrown away (loss, waiting for a key frame, size cap). */
  framesDropped: number;
}

/** One RTP payload format, receiving side. */
export interface RtpDepacketizer {
  /**
   * Feeds one packet (in sequence order: put UDP through a ReorderBuffer first). Returns the frames it
   * completes, usually none or one; an empty array means "need more packets". Throws RtpError only when
   * the payload breaks its format; the partial frame is dropped then and the next call starts afresh.
   */
  push(packet: RtpPacket): RtpFrame[];
  /** Forgets any partial frame and the sequence history (e.g. after a reconnect). */
  reset(): void;
  readonly stats: DepacketizerStats;
}

/**
 * One outgoing RTP packet, kept in parts so nothing of the frame is copied: `header` is the serialized RTP
 * header, `payload` are the payload parts in order, views into the frame plus tiny format headers (FU
 * indicator, AU header). Send `[header, ...payload]` with writev, or `rtpPacketToBuffer` for UDP.
 */
export interface RtpPacketOut {
  readonly header: Buffer;
  readonly payload: readonly Buffer[];
  readonly sequence: number;
  readonly timestamp: number;
  readonly marker: boolean;
  /** Sum of the payload parts' lengths. */
  readonly payloadSize: number;
}

/** One RTP payload format, sending side. */
export interface RtpPacketizer {
  readonly payloadType: number;
  readonly ssrc: number;
  /** The sequence number the next packet gets (RTSP RTP-Info `seq=`). */
  readonly nextSequence: number;
  /** The RTP timestamp a frame of this unwrapped timestamp gets (RTSP RTP-Info `rtptime=`). */
  rtpTimestamp(timestamp: number): number;
  /** Packets for one frame (core Packet: unwrapped timestamp in the codec clock). */
  packetize(frame: Packet): RtpPacketOut[];
}

export interface RtpPacketizerOptions {
  /** RTP payload type, 0..127. */
  readonly payloadType: number;
  /** Defaults to a random uint32. */
  readonly ssrc?: number;
  /** Defaults to a random uint16. */
  readonly initialSequence?: number;
  /** Added (modulo 2^32) to every frame timestamp. Defaults to 0: the source's timeline goes out as is. */
  readonly timestampOffset?: number;
  /** Largest payload of one packet in bytes, 16..65000. Defaults to 1200, which fits any MTU with SRTP. */
  readonly maxPayloadSize?: number;
}

export const DEFAULT_MAX_PAYLOAD_SIZE = 1200;

export function randomUint32(): number {
  return randomBytes(4).readUInt32BE(0);
}

function checkInteger(name: string, value: number, max: number, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RtpError('RTP_BAD_OPTIONS', `${name} ${value} is not an integer in ${min}..${max}`);
  }
  return value;
}

/** The numbering every packetizer shares: options checked once, sequence numbers, header serialization. */
export abstract class RtpPacketizerBase implements RtpPacketizer {
  readonly payloadType: number;
  readonly ssrc: number;
  readonly maxPayloadSize: number;
  readonly timestampOffset: number;
  private sequence: number;

  protected constructor(options: RtpPacketizerOptions) {
    this.payloadType = checkInteger('payloadType', options.payloadType, 127);
    this.ssrc = checkInteger('ssrc', options.ssrc ?? randomUint32(), 0xffffffff);
    this.sequence = checkInteger('initialSequence', options.initialSequence ?? randomUint32() & 0xffff, 0xffff);
    this.timestampOffset = checkInteger('timestampOffset', options.timestampOffset ?? 0, 0xffffffff);
    this.maxPayloadSize = checkInteger('maxPayloadSize', options.maxPayloadSize ?? DEFAULT_MAX_PAYLOAD_SIZE, 65000, 16);
  }

  get nextSequence(): number {
    return this.sequence;
  }

  rtpTimestamp(timestamp: number): number {
    return (Math.trunc(timestamp) + this.timestampOffset) >>> 0;
  }

  abstract packetize(frame: Packet): RtpPacketOut[];

  /** Numbers and serializes one packet; `timestamp` is already the RTP one. */
  protected packet(payload: readonly Buffer[], timestamp: number, marker: boolean): RtpPacketOut {
    const sequence = this.sequence;
    this.sequence = (this.sequence + 1) & 0xffff;
    let payloadSize = 0;
    for (const part of payload) payloadSize += part.length;
    const header = serializeRtpHeader({ marker, payloadType: this.payloadType, sequence, timestamp, ssrc: this.ssrc });
    return { header, payload, sequence, timestamp, marker, payloadSize };
  }
}

/** Concatenates one outgoing packet (for UDP or tests; TCP writers send the parts with writev). */
export function rtpPacketToBuffer(packet: RtpPacketOut): Buffer {
  return Buffer.concat([packet.header, ...packet.payload]);
}

/** Shared by depacketizers: the stats object and loss detection. */
export abstract class RtpDepacketizerBase implements RtpDepacketizer {
  readonly stats: DepacketizerStats = { packetsLost: 0, framesDropped: 0 };
  private readonly tracker = new SequenceTracker();

  abstract push(packet: RtpPacket): RtpFrame[];

  reset(): void {
    this.tracker.reset();
    this.dropPartial();
  }

  /** Forget the frame being assembled (loss, bad payload). */
  protected abstract dropPartial(): void;

  /**
   * Loss bookkeeping for one packet: returns false for a duplicate or late packet (ignore it). On a gap
   * `onGap` runs (video waits for a key frame there), then the partial frame is dropped through `dropPartial`.
   */
  protected accept(packet: RtpPacket): boolean {
    const check = this.tracker.check(packet.sequence);
    if (check === 'old') return false;
    if (check === 'gap') {
      this.stats.packetsLost = this.tracker.lost;
      this.onGap();
      this.dropPartial();
    }
    return true;
  }

  /** Video depacketizers override this to wait for the next key frame. */
  protected onGap(): void {}
}

/** Audio formats with exactly one frame per packet (Opus, G.711, L16): the payload is the frame. */
export class FramePerPacketDepacketizer extends RtpDepacketizerBase {
  push(packet: RtpPacket): RtpFrame[] {
    if (!this.accept(packet)) return [];
    if (packet.payload.length === 0) return [];
    return [{ payload: packet.payload, timestamp: packet.timestamp, keyframe: true }];
  }

  protected dropPartial(): void {}
}

/**
 * One frame, one packet (Opus, whose frames RTP never fragments). The marker bit is set on the first
 * packet only, the start of the first talkspurt (RFC 3551 4.1); frames larger than maxPayloadSize still
 * go out whole, since the format has no fragmentation.
 */
export class FramePerPacketPacketizer extends RtpPacketizerBase {
  private first = true;

  constructor(options: RtpPacketizerOptions) {
    super(options);
  }

  packetize(frame: Packet): RtpPacketOut[] {
    const marker = this.first;
    this.first = false;
    return [this.packet([frame.payload], this.rtpTimestamp(frame.timestamp), marker)];
  }
}
