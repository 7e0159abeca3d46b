import { Ts2rtcError } from '../../../core/errors.js';
import type { Receiver } from '../../../core/receiver.js';
import { parseRtp, type RtpPacket } from '../../rtp/packet.js';
import { framePacket, type RtpDepacketizer } from '../../rtp/payload.js';
import { parseRtcp, type RtcpReportBlock } from '../../rtp/rtcp.js';
import { ReorderBuffer } from '../../rtp/reorder.js';
import { TimestampUnwrapper } from '../../rtp/sequence.js';
import { createDepacketizer } from '../formats.js';
import type { RtpFormat } from '../../sdp/rtp-format.js';
import { ReceptionStats } from './rtcp-stats.js';

/** How long UDP packets wait for a missing one before the gap is given up (the depacketizer sees loss). */
const REORDER_WAIT_MS = 40;
/** Sources (SSRCs) tracked per track for reports; a camera has one, a broken one may cycle through many. */
const MAX_SOURCES = 8;

interface Output {
  readonly receiver: Receiver;
  readonly depacketizer: RtpDepacketizer;
  readonly unwrapper: TimestampUnwrapper;
}

export interface TrackInputStats {
  /** Packets that could not be read, or whose payload broke its format. */
  badPackets: number;
  /** Packets of a payload type no receiver wants. */
  unwanted: number;
}

/**
 * The receiving side of one set-up track: RTP bytes → (UDP: back in sequence order) → the depacketizer of
 * its payload type → unwrapped timestamps → a core Receiver. Also keeps the reception statistics for
 * our RTCP receiver reports and reads the camera's sender reports.
 */
export class TrackInput {
  readonly stats: TrackInputStats = { badPackets: 0, unwanted: 0 };
  private readonly outputs = new Map<number, Output[]>();
  private readonly sources = new Map<number, ReceptionStats>();
  /**
   * One reorder buffer per source (SSRC), when reordering: sequence numbers mean something only within one
   * source. With one buffer for all, a single datagram of another stream (a camera that restarted with a new
   * SSRC, or any program on the camera's host sending to a port we reuse) moved the expected number far
   * ahead and every packet of the camera's stream was dropped as late until it caught up: a CI run's RTSP
   * client test got no audio for 20 s that way.
   */
  private readonly reorders = new Map<number, ReorderBuffer>();
  private readonly reorderEnabled: boolean;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly clockRate: number,
    options: { reorder: boolean },
  ) {
    this.reorderEnabled = options.reorder;
  }

  /** Feeds `receiver` with the frames of `format`. Throws RtpError/AacError when the format has no depacketizer. */
  addOutput(receiver: Receiver, format: RtpFormat): void {
    const list = this.outputs.get(format.payloadType) ?? [];
    if (list.some((o) => o.receiver === receiver)) return;
    list.push({ receiver, depacketizer: createDepacketizer(format), unwrapper: new TimestampUnwrapper() });
    this.outputs.set(format.payloadType, list);
  }

  handleRtp(data: Buffer, nowMs: number): void {
    if (this.closed) return;
    let packet: RtpPacket;
    try {
      packet = parseRtp(data);
    } catch (err) {
      if (!(err instanceof Ts2rtcError)) throw err;
      this.stats.badPackets++;
      return;
    }
    this.sourceStats(packet.ssrc)?.onRtp(packet.sequence, packet.timestamp, nowMs);
    const reorder = this.reorderOf(packet.ssrc);
    if (reorder === undefined) {
      this.deliver(packet);
      return;
    }
    const droppedBefore = reorder.dropped;
    const ready = reorder.push(packet);
    for (const p of ready) this.deliver(p);
    // Nothing out and nothing dropped: the packet waits for a missing one. Do not wait for long.
    if (ready.length === 0 && reorder.dropped === droppedBefore && this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        if (this.closed) return;
        for (const buffer of this.reorders.values()) for (const p of buffer.flush()) this.deliver(p);
      }, REORDER_WAIT_MS);
    }
  }

  handleRtcp(data: Buffer, nowMs: number): void {
    if (this.closed) return;
    try {
      for (const packet of parseRtcp(data)) {
        if (packet.type === 'sr')
          this.sources.get(packet.ssrc)?.onSenderReport(packet.ntpSeconds, packet.ntpFraction, nowMs);
      }
    } catch (err) {
      if (!(err instanceof Ts2rtcError)) throw err;
      this.stats.badPackets++;
    }
  }

  /** Report blocks about every source heard on this track, for our next receiver report. */
  reportBlocks(nowMs: number): RtcpReportBlock[] {
    return [...this.sources.values()].filter((s) => s.packets > 0).map((s) => s.reportBlock(nowMs));
  }

  close(): void {
    this.closed = true;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.outputs.clear();
  }

  /** The source's reorder buffer; none without reordering, or past MAX_SOURCES (then packets go as they come). */
  private reorderOf(ssrc: number): ReorderBuffer | undefined {
    if (!this.reorderEnabled) return undefined;
    let buffer = this.reorders.get(ssrc);
    if (buffer === undefined && this.reorders.size < MAX_SOURCES) {
      buffer = new ReorderBuffer();
      this.reorders.set(ssrc, buffer);
    }
    return buffer;
  }

  private sourceStats(ssrc: number): ReceptionStats | undefined {
    let stats = this.sources.get(ssrc);
    if (stats === undefined && this.sources.size < MAX_SOURCES) {
      stats = new ReceptionStats(ssrc, this.clockRate);
      this.sources.set(ssrc, stats);
    }
    return stats;
  }

  private deliver(packet: RtpPacket): void {
    const outputs = this.outputs.get(packet.payloadType);
    if (outputs === undefined) {
      this.stats.unwanted++;
      return;
    }
    for (const output of outputs) {
      let frames;
      try {
        frames = output.depacketizer.push(packet);
      } catch (err) {
        // The depacketizer dropped its partial frame and starts afresh with the next packet.
        if (!(err instanceof Ts2rtcError)) throw err;
        this.stats.badPackets++;
        continue;
      }
      for (const frame of frames) output.receiver.write(framePacket(frame, output.unwrapper));
    }
  }
}
