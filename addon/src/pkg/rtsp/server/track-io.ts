import type { Receiver } from '../../../core/track.js';
import {
  framePacket,
  parseRtp,
  RTP_HEADER_SIZE,
  TimestampUnwrapper,
  UnwatchedGop,
  type PayloadClassifier,
  type RtpDepacketizer,
} from '../../rtp/index.js';
import type { RtspLogger } from '../log.js';

export interface IncomingTrackOptions {
  /**
   * Defer the work while the receiver has no sink (a publisher nobody reads): a video track whose key
   * pictures this finds keeps its raw RTP since the last one (pkg/rtp/unwatched-gop.ts) and depacketizes it
   * when a sink comes, so the GOP cache is whole then; `null` drops the packets meanwhile (audio: no GOP
   * cache). Undefined: every packet is depacketized as it comes.
   */
  readonly whileUnwatched?: PayloadClassifier | null;
}

/**
 * Turns incoming RTP of one track (a publisher's media, a reader's backchannel) into core packets on a Receiver: parse,
 * depacketize, unwrap the timestamp, write. A malformed packet is counted and skipped; it never ends the
 * session, let alone the process.
 */
export class IncomingTrack {
  private readonly unwrapper = new TimestampUnwrapper();
  malformed = 0;
  private readonly deferring: boolean;
  private readonly unwatched: UnwatchedGop | undefined;
  /** Packets went by without being depacketized since the last catch-up. */
  private deferred = false;
  private readonly onCatchUp = (): void => this.catchUp();

  constructor(
    private readonly depacketizer: RtpDepacketizer,
    readonly receiver: Receiver,
    private readonly log: RtspLogger,
    options: IncomingTrackOptions = {},
  ) {
    this.deferring = options.whileUnwatched !== undefined;
    this.unwatched = options.whileUnwatched ? new UnwatchedGop(options.whileUnwatched) : undefined;
    if (this.deferring) receiver.setCatchUp(this.onCatchUp);
  }

  push(datagram: Buffer): void {
    if (this.deferring && this.receiver.sinkCount === 0) {
      this.unwatched?.push(datagram);
      this.deferred = true;
      // `/api/streams` shows the track's counters moving while nobody reads it, as go2rtc's do: a frame per
      // RTP marker (the end of a video access unit; audio packets mostly hold one frame), payload bytes.
      const stats = this.receiver.stats;
      if (this.unwatched === undefined || ((datagram[1] ?? 0) & 0x80) !== 0) stats.packets++;
      stats.bytes += Math.max(0, datagram.length - RTP_HEADER_SIZE);
      return;
    }
    if (this.deferred) this.catchUp();
    this.depacketize(datagram);
  }

  /** The track's producer ended: the receiver (which outlives it across reconnects) no longer calls back. */
  detach(): void {
    if (this.deferring) this.receiver.clearCatchUp(this.onCatchUp);
  }

  /**
   * Depacketizes what was kept while nobody watched. When packets were skipped before it (audio always; video
   * when a key picture came meanwhile) that is a gap: the depacketizer starts afresh (no loss counted, no
   * partial frame carried over), and the receiver's GOP cache, which ends before the gap, starts over at the
   * key frame kept here.
   */
  private catchUp(): void {
    if (!this.deferred) return;
    this.deferred = false;
    if (!this.unwatched?.continuous) {
      this.depacketizer.reset();
      this.receiver.dropGop();
    }
    const kept = this.unwatched?.take() ?? [];
    // These frames were counted as they came (push): the receiver's counters are kept as they are.
    const { packets, bytes } = this.receiver.stats;
    for (let i = 0; i < kept.length; i++) this.depacketize(kept[i] as Buffer);
    this.receiver.stats.packets = packets;
    this.receiver.stats.bytes = bytes;
  }

  private depacketize(datagram: Buffer): void {
    let frames;
    try {
      frames = this.depacketizer.push(parseRtp(datagram));
    } catch (err) {
      if (this.malformed++ === 0) this.log.debug({ err }, 'rtsp: malformed RTP skipped');
      return;
    }
    for (const frame of frames) this.receiver.write(framePacket(frame, this.unwrapper));
  }
}
