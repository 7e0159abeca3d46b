import type { RtpPacket } from './packet.js';
import { RtpError } from './errors.js';
import { seqDiff } from './sequence.js';

export interface ReorderBufferOptions {
  /** Packets held while waiting for a missing one; when full the gap is given up. Defaults to 64. */
  readonly capacity?: number;
}

/**
 * A packet this far behind the expected one (or more) is no late packet but maybe a sender that restarted
 * its sequence numbers (RFC 3550 A.1's MAX_MISORDER): two in a row that follow each other are taken as the
 * new sequence. Before, every packet behind was dropped, so a restart to a lower number dropped the stream
 * until it climbed back past the old one (a one-datagram jump of 1000 silenced PCMU for 20 s).
 */
const RESTART_BEHIND = 100;

/**
 * Puts UDP packets back in sequence order. Bounded: a packet `capacity` or more ahead of a missing one
 * gives it up and the gap is skipped (the depacketizer sees it as loss). Late and duplicate packets are dropped;
 * two consecutive packets far behind restart the order from them. Nothing here knows time: a caller that
 * wants a latency bound calls `flush()` from its own timer.
 */
export class ReorderBuffer {
  private readonly capacity: number;
  private readonly slots: Array<RtpPacket | undefined>;
  private readonly mask: number;
  private expected: number | undefined;
  private held = 0;
  /** The last packet that came far behind: the first of a restarted sequence if the next one follows it. */
  private restart: RtpPacket | undefined;
  /** Packets that arrived after their turn had passed, or twice. */
  dropped = 0;
  /** Packets given up as lost. */
  skipped = 0;

  constructor(options: ReorderBufferOptions = {}) {
    const capacity = options.capacity ?? 64;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x4000) {
      throw new RtpError('RTP_BAD_OPTIONS', `reorder capacity ${capacity} is not 1..16384`);
    }
    this.capacity = capacity;
    // A power-of-two ring indexed by the low sequence bits stays collision-free across the 2^16 wrap.
    let size = 1;
    while (size < capacity) size *= 2;
    this.mask = size - 1;
    this.slots = new Array<RtpPacket | undefined>(size).fill(undefined);
  }

  /** Packets that are now in order, oldest first (often just `packet`). */
  push(packet: RtpPacket): RtpPacket[] {
    if (this.expected === undefined) {
      this.expected = (packet.sequence + 1) & 0xffff;
      return [packet];
    }
    const ahead = seqDiff(this.expected, packet.sequence);
    const candidate = this.restart;
    this.restart = undefined;
    if (ahead < 0) {
      if (ahead > -Math.max(RESTART_BEHIND, this.capacity)) {
        this.dropped++;
        return [];
      }
      if (candidate === undefined || packet.sequence !== ((candidate.sequence + 1) & 0xffff)) {
        this.restart = packet;
        this.dropped++;
        return [];
      }
      // The sender restarted lower: what is held belongs to the old sequence and goes out first.
      const out = this.flush();
      this.dropped--;
      this.expected = (packet.sequence + 1) & 0xffff;
      out.push(candidate, packet);
      return out;
    }
    if (ahead === 0 && this.held === 0) {
      this.expected = (packet.sequence + 1) & 0xffff;
      return [packet];
    }
    if (ahead >= this.capacity) {
      // Too far ahead to wait for: release what is held, then restart from this packet.
      const out = this.flush();
      this.skipped += Math.max(0, seqDiff(this.expected, packet.sequence));
      this.expected = (packet.sequence + 1) & 0xffff;
      out.push(packet);
      return out;
    }
    const slot = packet.sequence & this.mask;
    if (this.slots[slot] !== undefined) {
      this.dropped++;
      return [];
    }
    this.slots[slot] = packet;
    this.held++;
    return this.release();
  }

  /** Gives up every gap: returns all held packets in order and continues after the last one. */
  flush(): RtpPacket[] {
    const out: RtpPacket[] = [];
    while (this.held > 0 && this.expected !== undefined) {
      const slot = this.expected & this.mask;
      const packet = this.slots[slot];
      if (packet === undefined) {
        this.skipped++;
      } else {
        this.slots[slot] = undefined;
        this.held--;
        out.push(packet);
      }
      this.expected = (this.expected + 1) & 0xffff;
    }
    return out;
  }

  reset(): void {
    this.slots.fill(undefined);
    this.held = 0;
    this.expected = undefined;
    this.restart = undefined;
  }

  private release(): RtpPacket[] {
    const out: RtpPacket[] = [];
    for (;;) {
      if (this.expected === undefined) return out;
      const slot = this.expected & this.mask;
      const packet = this.slots[slot];
      if (packet === undefined) break;
      this.slots[slot] = undefined;
      this.held--;
      out.push(packet);
      this.expected = (this.expected + 1) & 0xffff;
    }
    return out;
  }
}
