import type { Logger } from 'pino';
import { ProducerBase } from '../../../core/producer.js';
import { createDepacketizer, payloadClassifier } from '../../../pkg/rtsp/index.js';
import type { SdpTrack } from '../../../pkg/sdp/index.js';
import type { RtspConnection } from '../../../pkg/rtsp/connection.js';
import { IncomingTrack } from '../../../pkg/rtsp/server/track-io.js';
import type { SessionPublisher } from '../../../pkg/rtsp/server/handler.js';
import type { SessionTrack } from '../../../pkg/rtsp/server/tracks.js';

/**
 * A client publishing into a stream with ANNOUNCE/RECORD (ffmpeg `-f rtsp`, OBS-style encoders). Its
 * medias come from the ANNOUNCE SDP; it pushes, so `start()` has nothing to do, and it ends when the
 * client hangs up.
 */
export class RtspPublisher extends ProducerBase implements SessionPublisher {
  readonly sessionTracks: SessionTrack[] = [];
  private readonly incoming = new Map<SessionTrack, IncomingTrack>();

  constructor(
    private readonly conn: RtspConnection,
    sdpTracks: readonly SdpTrack[],
    sdp: string,
    private readonly log: Logger,
    userAgent: string | undefined,
  ) {
    super(
      { formatName: 'rtsp', protocol: 'tcp', remoteAddr: conn.remoteAddr, sdp, ...(userAgent ? { userAgent } : {}) },
      sdpTracks.map((t) => t.media),
    );
    for (const t of sdpTracks) {
      const codec = t.media.codecs[0];
      const format = t.formats[0];
      if (codec && format)
        this.sessionTracks.push({ control: t.control, media: t.media, codec, payloadType: t.payloadType, format });
    }
    conn.onClose.once((err) => void this.close(err));
  }

  async start(): Promise<void> {
    // The client pushes after RECORD; nothing to ask for.
  }

  /**
   * RTP from the client for one of its tracks. While no consumer reads a track its RTP is not depacketized:
   * video keeps the raw packets since the last key picture, so a consumer that arrives later still gets the
   * GOP cache at once; audio is dropped meanwhile (go2rtc does no work at all for a publisher nobody reads).
   */
  receive(track: SessionTrack, datagram: Buffer): void {
    this.bytesRecv += datagram.length;
    let incoming = this.incoming.get(track);
    if (!incoming && track.format) {
      const receiver = this.getTrack(track.media, track.codec);
      incoming = new IncomingTrack(createDepacketizer(track.format), receiver, this.log, {
        whileUnwatched: payloadClassifier(track.format) ?? (track.media.kind === 'video' ? undefined : null),
      });
      this.incoming.set(track, incoming);
    }
    incoming?.push(datagram);
  }

  protected async release(): Promise<void> {
    for (const incoming of this.incoming.values()) incoming.detach();
    // The session's close closes the tracks' UDP ports.
    this.conn.close();
  }
}
