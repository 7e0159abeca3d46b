import { ntpMiddle, type RtcpReportBlock } from '../../rtp/rtcp.js';
import { SequenceUnwrapper, timestampDiff } from '../../rtp/sequence.js';

/**
 * Reception statistics of one RTP source (RFC 3550 A.3 and A.8) for the receiver reports a camera gets
 * from us: loss, extended highest sequence, interarrival jitter, and the echo of its last sender report.
 * Pure: the caller passes arrival times in milliseconds.
 */
export class ReceptionStats {
  private readonly sequences = new SequenceUnwrapper();
  private base: number | undefined;
  private highest = 0;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private lastTransit: number | undefined;
  private jitter = 0;
  private lastSr = 0;
  private lastSrAtMs = 0;

  constructor(
    readonly ssrc: number,
    private readonly clockRate: number,
  ) {}

  get packets(): number {
    return this.received;
  }

  onRtp(sequence: number, rtpTimestamp: number, arrivalMs: number): void {
    const seq = this.sequences.unwrap(sequence);
    if (this.base === undefined) {
      this.base = seq;
      this.highest = seq;
    } else if (seq > this.highest) {
      this.highest = seq;
    }
    this.received++;
    // Transit time in RTP units, on the 32-bit circle; only its changes matter.
    const arrival = Math.floor((arrivalMs * this.clockRate) / 1000);
    const transit = (arrival - rtpTimestamp) >>> 0;
    if (this.lastTransit !== undefined) {
      const d = Math.abs(timestampDiff(this.lastTransit, transit));
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  onSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.lastSr = ntpMiddle(ntpSeconds, ntpFraction);
    this.lastSrAtMs = arrivalMs;
  }

  /** The report block for this source; advances the "since the last report" counters. */
  reportBlock(nowMs: number): RtcpReportBlock {
    const base = this.base ?? 0;
    const expected = this.base === undefined ? 0 : this.highest - base + 1;
    const lost = expected - this.received;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    const lostInterval = expectedInterval - receivedInterval;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const fractionLost =
      expectedInterval <= 0 || lostInterval <= 0
        ? 0
        : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    const delay = this.lastSr === 0 ? 0 : Math.max(0, Math.round(((nowMs - this.lastSrAtMs) * 65536) / 1000));
    return {
      ssrc: this.ssrc,
      fractionLost,
      packetsLost: lost,
      highestSequence: Math.max(0, this.highest) >>> 0,
      jitter: Math.floor(this.jitter) >>> 0,
      lastSr: this.lastSr,
      delaySinceLastSr: delay >>> 0,
    };
  }
}
