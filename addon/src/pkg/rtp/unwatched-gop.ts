import { readRtpTimestamp, rtpPayloadStart } from './packet.js';

/**
 * What one RTP payload of a NAL-based video format carries, as far as a GOP is concerned: parameter sets
 * (SPS/PPS, VPS), a key picture (H.264 IDR, H.265 IRAP), or neither. Read from the payload's first bytes only.
 */
export const PayloadKind = { Other: 0, ParameterSets: 1, KeyPicture: 2 } as const;
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];

/** Classifies the RTP payload `packet[start, end)` (a codec's, e.g. h264PayloadKind). Never throws. */
export type PayloadClassifier = (packet: Uint8Array, start: number, end: number) => PayloadKind;

/**
 * The kind of an aggregation packet (H.264 STAP-A, H.265 AP without DONL): the most a unit in it carries,
 * each unit behind a 16-bit size from `first` on, `unitKind` reading the unit's first header byte.
 */
export function aggregateKind(
  packet: Uint8Array,
  first: number,
  end: number,
  unitKind: (headerByte: number) => PayloadKind,
): PayloadKind {
  let kind: PayloadKind = PayloadKind.Other;
  for (let pos = first; pos + 2 < end;) {
    const size = ((packet[pos] as number) << 8) | (packet[pos + 1] as number);
    if (size === 0) break;
    const unit = unitKind(packet[pos + 2] as number);
    if (unit > kind) kind = unit;
    pos += 2 + size;
  }
  return kind;
}

export interface UnwatchedGopOptions {
  /** Packets kept at most; past it all are dropped (a GOP that long is not worth holding). Defaults to 8192. */
  readonly maxPackets?: number;
  /** Bytes kept at most, likewise. Defaults to 16 MiB, the GOP cache's cap (core/track.ts). */
  readonly maxBytes?: number;
}

/**
 * The raw RTP of one video track since its last key picture, kept by a producer instead of depacketized
 * while no consumer watches the track: go2rtc does no work for a publisher nobody reads, and ts2rtc's GOP
 * cache (the first picture of a late joiner at once) only needs the frames since the last key picture the
 * moment somebody joins. `take()` hands them over, oldest first, to be depacketized then.
 *
 * A GOP starts at the first packet of the access unit (one RTP timestamp) that holds the key picture, or of
 * the run of access units with parameter sets right before it (cameras that send SPS/PPS under a timestamp of
 * their own). Until the first key picture everything is kept, so nothing before a key picture is lost either.
 */
export class UnwatchedGop {
  private packets: Buffer[] = [];
  private bytes = 0;
  /** The current access unit: its RTP timestamp and the index of its first packet. */
  private unitTimestamp = -1;
  private unitStart = 0;
  private unitKind: PayloadKind = PayloadKind.Other;
  /** First packet of the run of parameter-set-only access units just before the current one, or -1. */
  private runStart = -1;
  /** Packets were dropped since the last take(): what is kept does not follow on from what came before. */
  private gap = false;
  private readonly maxPackets: number;
  private readonly maxBytes: number;

  constructor(
    private readonly classify: PayloadClassifier,
    options: UnwatchedGopOptions = {},
  ) {
    this.maxPackets = options.maxPackets ?? 8192;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  }

  /** Packets held. */
  get size(): number {
    return this.packets.length;
  }

  /**
   * Every packet since the last take() is kept: they continue the stream where it was left, so a GOP
   * depacketized before them goes on with them (a viewer left mid-GOP and another came before the next key).
   */
  get continuous(): boolean {
    return !this.gap;
  }

  /** Keeps `packet` (a whole RTP packet, not copied: it must not be written to afterwards). */
  push(packet: Buffer): void {
    const start = rtpPayloadStart(packet);
    if (start >= 0 && start < packet.length) {
      const timestamp = readRtpTimestamp(packet);
      if (timestamp !== this.unitTimestamp) this.nextUnit(timestamp);
      const kind = this.classify(packet, start, packet.length);
      if (kind === PayloadKind.KeyPicture && this.unitKind !== PayloadKind.KeyPicture) {
        this.dropBefore(this.runStart >= 0 ? this.runStart : this.unitStart);
        this.runStart = -1;
      }
      if (kind > this.unitKind) this.unitKind = kind;
    }
    // A malformed packet is kept in its place: the depacketizer counts and skips it, as it would live.
    if (this.packets.length >= this.maxPackets || this.bytes + packet.length > this.maxBytes) {
      this.clear();
      this.gap = true;
      return;
    }
    this.packets.push(packet);
    this.bytes += packet.length;
  }

  /** The packets kept, oldest first; the keeper starts empty again. */
  take(): Buffer[] {
    const packets = this.packets;
    this.clear();
    this.gap = false;
    return packets;
  }

  private nextUnit(timestamp: number): void {
    if (this.unitKind === PayloadKind.ParameterSets) {
      if (this.runStart < 0) this.runStart = this.unitStart;
    } else {
      this.runStart = -1;
    }
    this.unitTimestamp = timestamp;
    this.unitStart = this.packets.length;
    this.unitKind = PayloadKind.Other;
  }

  private dropBefore(index: number): void {
    if (index <= 0) return;
    this.gap = true;
    for (let i = 0; i < index; i++) this.bytes -= (this.packets[i] as Buffer).length;
    this.packets = this.packets.slice(index);
    this.unitStart -= index;
  }

  private clear(): void {
    this.packets = [];
    this.bytes = 0;
    this.unitTimestamp = -1;
    this.unitStart = 0;
    this.unitKind = PayloadKind.Other;
    this.runStart = -1;
  }
}
