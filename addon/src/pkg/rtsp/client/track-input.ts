import { Ts2rtcError } from '../../../core/errors.js';
import type { Receiver } from '../../../core/track.js';
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
/** How long the played source must be silent before another one's packets are played instead. */
const SOURCE_SWITCH_MS = 1000;

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
  /** Packets of another source (SSRC) than the one played. */
  foreign: number;
}

/**
 * The receiving side of one set-up track: RTP bytes → (UDP: back in sequence order) → the depacketizer of
 * its payload type → unwrapped timestamps → a core Receiver. Also keeps the reception statistics for
 * our RTCP receiver reports and reads the camera's sender reports.
 *
 * One source (SSRC) is played: the one the camera announced in its SETUP answer once it is heard, else the
 * first heard; another takes over when the played one has been silent for SOURCE_SWITCH_MS (a camera that
 * restarted its stream). Over UDP anything on the camera's host may send to our port (a stream still aimed
 * at a port number we reuse): one datagram of it in the reorder buffer moved the expected sequence number far
 * ahead, and every packet of the camera was dropped as late until it caught up (a CI run's RTSP client test got
 * no audio for 20 s); a stream of them mixed into the depacketizer broke every frame of the camera's H264.
 */
export class TrackInput {
  readonly stats: TrackInputStats = { badPackets: 0, unwanted: 0, foreign: 0 };
  private readonly outputs = new Map<number, Output[]>();
  private readonly sources = new Map<number, ReceptionStats>();
  private readonly reorder: ReorderBuffer | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly announced: number | undefined;
  private played: number | undefined;
  private playedAt = 0;

  /** `ssrc`: the source the camera announced for this track (the SETUP answer's Transport), if it did. */
  constructor(
    private readonly clockRate: number,
    options: { reorder: boolean; ssrc?: number },
  ) {
    this.reorder = options.reorder ? new ReorderBuffer() : undefined;
    this.announced = options.ssrc;
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
    if (!this.isPlayed(packet.ssrc, nowMs)) {
      this.stats.foreign++;
      return;
    }
    if (this.reorder === undefined) {
      this.deliver(packet);
      return;
    }
    const droppedBefore = this.reorder.dropped;
    const ready = this.reorder.push(packet);
    for (const p of ready) this.deliver(p);
    // Nothing out and nothing dropped: the packet waits for a missing one. Do not wait for long.
    if (ready.length === 0 && this.reorder.dropped === droppedBefore && this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        if (this.closed || this.reorder === undefined) return;
        for (const p of this.reorder.flush()) this.deliver(p);
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

  /** Whether a packet of `ssrc` is played (see the class comment); switches the played source when due. */
  private isPlayed(ssrc: number, nowMs: number): boolean {
    const switchable =
      this.played === undefined ||
      // The announced source takes over from one heard before it (a stray datagram that came first).
      (ssrc === this.announced && this.played !== this.announced) ||
      nowMs - this.playedAt >= SOURCE_SWITCH_MS;
    if (ssrc !== this.played && !switchable) return false;
    if (ssrc !== this.played && this.played !== undefined) {
      // Another stream from here on: its sequence numbers and partial frames have nothing to do with the last.
      this.reorder?.reset();
      for (const list of this.outputs.values()) for (const output of list) output.depacketizer.reset();
    }
    this.played = ssrc;
    this.playedAt = nowMs;
    return true;
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
