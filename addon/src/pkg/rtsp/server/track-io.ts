import type { Receiver } from '../../../core/track.js';
import { framePacket, parseRtp, TimestampUnwrapper, type RtpDepacketizer } from '../../rtp/index.js';
import type { RtspLogger } from '../log.js';

/**
 * Turns incoming RTP of one track (a publisher's media, a reader's backchannel) into core packets on a Receiver: parse,
 * depacketize, unwrap the timestamp, write. A malformed packet is counted and skipped; it never ends the
 * session, let alone the process.
 */
export class IncomingTrack {
  private readonly unwrapper = new TimestampUnwrapper();
  malformed = 0;

  constructor(
    private readonly depacketizer: RtpDepacketizer,
    readonly receiver: Receiver,
    private readonly log: RtspLogger,
  ) {}

  push(datagram: Buffer): void {
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
