/** Signed distance from sequence number `from` to `to` on the 16-bit circle: -32768..32767. */
export function seqDiff(from: number, to: number): number {
  return ((((to - from) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/** Signed distance from RTP timestamp `from` to `to` on the 32-bit circle. */
export function timestampDiff(from: number, to: number): number {
  return (to - from) | 0;
}

/**
 * Turns uint32 RTP timestamps into a JS number that keeps growing across the 2^32 wrap (about 13 hours at
 * 90 kHz). Each value is placed at the shortest signed distance from the previous one, so reordered
 * packets and B-frame presentation times step back a little instead of jumping forward by 2^32.
 * The first value is returned as is; a value reordered before it may therefore be negative.
 */
export class TimestampUnwrapper {
  private last: number | undefined;
  private unwrapped = 0;

  unwrap(timestamp: number): number {
    const ts = timestamp >>> 0;
    if (this.last === undefined) {
      this.unwrapped = ts;
    } else {
      this.unwrapped += timestampDiff(this.last, ts);
    }
    this.last = ts;
    return this.unwrapped;
  }

  reset(): void {
    this.last = undefined;
    this.unwrapped = 0;
  }
}

/** The same for 16-bit sequence numbers: an extended sequence number (RFC 3550 A.1) as a JS number. */
export class SequenceUnwrapper {
  private last: number | undefined;
  private unwrapped = 0;

  unwrap(sequence: number): number {
    const seq = sequence & 0xffff;
    if (this.last === undefined) {
      this.unwrapped = seq;
    } else {
      this.unwrapped += seqDiff(this.last, seq);
    }
    this.last = seq;
    return this.unwrapped;
  }

  reset(): void {
    this.last = undefined;
    this.unwrapped = 0;
  }
}

/** How a packet's sequence number relates to the one before it. */
export type SequenceCheck = 'first' | 'next' | 'gap' | 'old';

/**
 * Loss detection for depacketizers: `gap` when packets are missing before this one (the caller drops its
 * partial frame), `old` for a duplicate or a packet from before the last one (the caller ignores it).
 */
export class SequenceTracker {
  private last: number | undefined;
  /** Packets found missing so far. */
  lost = 0;

  check(sequence: number): SequenceCheck {
    const seq = sequence & 0xffff;
    if (this.last === undefined) {
      this.last = seq;
      return 'first';
    }
    const diff = seqDiff(this.last, seq);
    if (diff <= 0) return 'old';
    this.last = seq;
    if (diff === 1) return 'next';
    this.lost += diff - 1;
    return 'gap';
  }

  reset(): void {
    this.last = undefined;
  }
}
