import { RtpError } from './errors.js';
import { RtpLayoutRecorder } from './layout.js';
import type { RtpPacket } from './packet.js';
import { RtpDepacketizerBase, type RtpFrame } from './payload.js';

export interface NalDepacketizerOptions {
  /** Largest access unit, in bytes of AVCC output. Defaults to 8 MiB. */
  readonly maxFrameSize?: number;
  /** Most NAL units in one access unit. Defaults to 1024. */
  readonly maxNalus?: number;
  /**
   * Hand out nothing until the first key frame, and again after a loss until the next one (a decoder
   * cannot use what is in between). Defaults to true.
   */
  readonly waitKeyframe?: boolean;
}

/** A NAL unit being assembled: its bytes (header included) are the concatenation of `parts`. */
export interface NalUnit {
  readonly parts: Buffer[];
  size: number;
}

export const DEFAULT_MAX_FRAME_SIZE = 8 * 1024 * 1024;
const DEFAULT_MAX_NALUS = 1024;

/** The bytes of a NAL unit as one buffer (a view when it has one part). */
export function nalBytes(nal: NalUnit): Buffer {
  const [first] = nal.parts;
  return nal.parts.length === 1 && first !== undefined ? first : Buffer.concat(nal.parts, nal.size);
}

/**
 * Access unit assembly shared by H.264 (RFC 6184) and H.265 (RFC 7798): NAL units collected per RTP
 * timestamp, fragments joined, the unit closed by the marker bit or by a timestamp change, size and count
 * capped, partial units dropped on loss. The codec subclass parses its payload forms and decides what a
 * key frame is. Output is AVCC with 4-byte lengths, written in one copy.
 */
export abstract class NalDepacketizerBase extends RtpDepacketizerBase {
  private readonly maxFrameSize: number;
  private readonly maxNalus: number;
  private readonly waitKeyframe: boolean;
  private nalus: NalUnit[] = [];
  private auSize = 0;
  private auTimestamp = 0;
  private hasAu = false;
  private broken = false;
  private fragment: NalUnit | undefined;
  private waiting: boolean;
  /** A loss was seen: the access unit of the next packet is missing data too (its first packets, at least). */
  private gap = false;
  /** Timestamp of the access unit whose payload last failed to parse. */
  private failedTimestamp: number | undefined;
  /** Timestamp of the last access unit counted as dropped, so one unit dropped in two pieces counts once. */
  private droppedTimestamp: number | undefined;
  // Frames completed by a packet whose own payload then failed: handed out by the next push.
  private ready: RtpFrame[] = [];
  /** How the sender cut the unit being assembled, handed out with it (see layout.ts). */
  private readonly layout = new RtpLayoutRecorder();
  /** A payload form our packetizers do not write (H265 DONL): frames carry no layout. */
  protected recordLayout = true;
  /** Index of the first NAL unit of the aggregation packet being parsed, or -1. */
  private aggregateFirst = -1;
  /** 1 for H264, 2 for H265. */
  protected abstract readonly nalHeaderSize: number;

  protected constructor(options: NalDepacketizerOptions) {
    super();
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.maxNalus = options.maxNalus ?? DEFAULT_MAX_NALUS;
    this.waitKeyframe = options.waitKeyframe ?? true;
    this.waiting = this.waitKeyframe;
    if (!Number.isInteger(this.maxFrameSize) || this.maxFrameSize < 1) {
      throw new RtpError('RTP_BAD_OPTIONS', `maxFrameSize ${this.maxFrameSize} is not a positive integer`);
    }
    if (!Number.isInteger(this.maxNalus) || this.maxNalus < 1) {
      throw new RtpError('RTP_BAD_OPTIONS', `maxNalus ${this.maxNalus} is not a positive integer`);
    }
  }

  push(packet: RtpPacket): RtpFrame[] {
    if (this.accept(packet)) {
      if (this.hasAu && packet.timestamp !== this.auTimestamp) this.finish();
      if (!this.hasAu) {
        this.hasAu = true;
        this.auTimestamp = packet.timestamp;
        this.broken = this.gap || packet.timestamp === this.failedTimestamp;
        this.gap = false;
      }
      try {
        this.parsePayload(packet.payload);
      } catch (err) {
        // The rest of this access unit (packets with its timestamp) is useless too.
        this.failedTimestamp = this.auTimestamp;
        this.waiting = this.waitKeyframe;
        this.dropPartial();
        throw err;
      }
      if (packet.marker) this.finish();
    }
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** Splits one payload into NAL units and fragments through addNal/startFragment/continueFragment. */
  protected abstract parsePayload(payload: Buffer): void;

  /**
   * Looks at a complete access unit: remembers parameter sets, inserts them before a key frame that lacks
   * them, and says whether it is a key frame. Returns undefined for a unit without picture data (e.g.
   * parameter sets sent on their own), which is absorbed rather than handed out.
   */
  protected abstract completeAccessUnit(nalus: NalUnit[]): { nalus: NalUnit[]; keyframe: boolean } | undefined;

  /** A whole NAL unit from a single NAL unit packet, or from an aggregation packet between start/endAggregate. */
  protected addNal(nal: NalUnit): void {
    if (nal.size === 0) return;
    // An aggregated unit is recorded with its packet in endAggregate.
    if (this.aggregateFirst < 0) this.layout.single(this.nalus.length);
    this.pushNal(nal);
  }

  /** An aggregation packet (STAP-A, AP) starts: its units follow through addNal. */
  protected startAggregate(): void {
    this.aggregateFirst = this.nalus.length;
  }

  /** The aggregation packet ends; `header` is its payload header (1 byte H264, 2 bytes H265). */
  protected endAggregate(header: number): void {
    const count = this.nalus.length - this.aggregateFirst;
    if (count > 0) this.layout.aggregate(this.aggregateFirst, count, header);
    this.aggregateFirst = -1;
  }

  private pushNal(nal: NalUnit): void {
    if (this.nalus.length >= this.maxNalus) {
      throw new RtpError('RTP_LIMIT', `more than ${this.maxNalus} NAL units in one access unit`);
    }
    this.grow(4 + nal.size);
    this.nalus.push(nal);
  }

  protected startFragment(header: Buffer, data: Buffer): void {
    // A new start while one is open: the end of the previous one was lost.
    if (this.fragment !== undefined) this.broken = true;
    this.layout.fragment(this.nalus.length, header.length, header.length + data.length);
    this.fragment = { parts: [header, data], size: header.length + data.length };
    this.checkFragment();
  }

  protected continueFragment(data: Buffer, end: boolean): void {
    const fragment = this.fragment;
    if (fragment === undefined) {
      // Its start was lost (or the stream was joined mid-fragment).
      this.broken = true;
      return;
    }
    // An empty end fragment adds no packet of ours: the previous one then carries the end bit.
    if (data.length > 0) this.layout.fragment(this.nalus.length, fragment.size, fragment.size + data.length);
    fragment.parts.push(data);
    fragment.size += data.length;
    this.checkFragment();
    if (end) {
      this.fragment = undefined;
      this.pushNal(fragment);
    }
  }

  protected override onGap(): void {
    this.waiting = this.waitKeyframe;
    this.gap = true;
  }

  protected dropPartial(): void {
    const partial = this.hasAu && (this.nalus.length > 0 || this.fragment !== undefined || this.broken);
    if (partial && this.droppedTimestamp !== this.auTimestamp) {
      this.stats.framesDropped++;
      this.droppedTimestamp = this.auTimestamp;
    }
    this.clear();
  }

  private checkFragment(): void {
    if (this.fragment !== undefined && this.auSize + 4 + this.fragment.size > this.maxFrameSize) {
      throw new RtpError('RTP_LIMIT', `access unit larger than ${this.maxFrameSize} bytes`);
    }
  }

  private grow(bytes: number): void {
    if (this.auSize + bytes > this.maxFrameSize) {
      throw new RtpError('RTP_LIMIT', `access unit larger than ${this.maxFrameSize} bytes`);
    }
    this.auSize += bytes;
  }

  private clear(): void {
    this.layout.clear();
    this.aggregateFirst = -1;
    this.nalus = [];
    this.auSize = 0;
    this.hasAu = false;
    this.broken = false;
    this.fragment = undefined;
  }

  private finish(): void {
    if (this.fragment !== undefined) this.broken = true;
    if (this.broken) {
      this.dropPartial();
      this.waiting = this.waitKeyframe;
      return;
    }
    const timestamp = this.auTimestamp;
    const nalus = this.nalus;
    const done = nalus.length > 0 ? this.completeAccessUnit(nalus) : undefined;
    // Units inserted or taken out (parameter sets): the sender's packets no longer describe the frame.
    const rtpLayout = done?.nalus === nalus && this.recordLayout ? this.layout.take(this.nalHeaderSize) : undefined;
    const hadNalus = nalus.length > 0;
    this.clear();
    if (done === undefined) return;
    if (this.waiting && !done.keyframe) {
      if (hadNalus) {
        this.stats.framesDropped++;
        this.droppedTimestamp = timestamp;
      }
      return;
    }
    if (done.keyframe) this.waiting = false;
    let total = 0;
    for (const nal of done.nalus) total += 4 + nal.size;
    const payload = Buffer.allocUnsafe(total);
    let pos = 0;
    for (const nal of done.nalus) {
      payload.writeUInt32BE(nal.size, pos);
      pos += 4;
      for (const part of nal.parts) {
        part.copy(payload, pos);
        pos += part.length;
      }
    }
    this.ready.push({ payload, timestamp, keyframe: done.keyframe, rtpLayout });
  }
}
