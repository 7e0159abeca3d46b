import type { Logger } from 'pino';
import type { Codec } from '../../../core/codec.js';
import { ConsumerBase } from '../../../core/consumer.js';
import type { Media } from '../../../core/media.js';
import type { Packet } from '../../../core/packet.js';
import type { Receiver } from '../../../core/track.js';
import { createDepacketizer, createPacketizer } from '../../../pkg/rtsp/index.js';
import { codecToRtpFormat } from '../../../pkg/sdp/index.js';
import type { RtspConnection } from '../../../pkg/rtsp/connection.js';
import { sharedRtpTrack } from '../../../pkg/rtsp/server/shared-rtp.js';
import { IncomingTrack } from '../../../pkg/rtsp/server/track-io.js';
import type { SessionReader } from '../../../pkg/rtsp/server/handler.js';
import type { SessionTrack } from '../../../pkg/rtsp/server/tracks.js';

/**
 * Largest RTP payload sent to a reader that asked for no `pkt_size`: go2rtc's 1472-byte packets (1500-byte
 * Ethernet MTU less IP and UDP headers) less the RTP header. A camera's packets that fit go out as they came
 * (core Packet.rtpLayout), so a reader gets as many packets as the camera sent.
 */
const DEFAULT_MAX_PAYLOAD_SIZE = 1460;

/**
 * An RTSP client reading a stream (DESCRIBE/SETUP/PLAY), and through the ONVIF backchannel possibly
 * talking into it. Tracks are attached at DESCRIBE but their senders stay paused until PLAY, so the GOP the
 * hub replays waits in the queue and the client's first frame is a key frame.
 */
export class RtspReaderConsumer extends ConsumerBase implements SessionReader {
  readonly sessionTracks: SessionTrack[] = [];
  private readonly incoming = new Map<SessionTrack, IncomingTrack>();
  private playing = false;

  constructor(
    private readonly conn: RtspConnection,
    medias: readonly Media[],
    private readonly log: Logger,
    userAgent: string | undefined,
    /** Largest RTP packet (header included) the client wants; defaults to DEFAULT_MAX_PAYLOAD_SIZE + 12. */
    private readonly packetSize?: number,
  ) {
    super(
      { formatName: 'rtsp', protocol: 'tcp', remoteAddr: conn.remoteAddr, ...(userAgent ? { userAgent } : {}) },
      medias,
    );
    conn.onDrain.subscribe(() => {
      if (this.playing) for (const { sender } of this.senders) sender.resume();
    });
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    const index = this.sessionTracks.length;
    const format = codecToRtpFormat(codec, 96 + index);
    const maxPayloadSize = this.packetSize ? Math.max(16, this.packetSize - 12) : DEFAULT_MAX_PAYLOAD_SIZE;
    const packetizer = createPacketizer(codec, { payloadType: format.payloadType, maxPayloadSize });
    // TCP readers of this source share one packetization (shared-rtp.ts); UDP still numbers per reader.
    const shared = sharedRtpTrack(receiver, codec, format.payloadType, maxPayloadSize);
    const track: SessionTrack = {
      control: `trackID=${index}`,
      media,
      codec,
      payloadType: format.payloadType,
      packetizer,
      shared,
    };
    track.sender = this.attach(media, codec, receiver, (packet) => this.send(track, packet), { startPaused: true });
    this.sessionTracks.push(track);
  }

  /** The client's backchannel audio: it sends in the camera's codec, which the hub matched. */
  getTrack(media: Media, codec: Codec): Receiver {
    const index = this.sessionTracks.length;
    const format = codecToRtpFormat(codec, 96 + index);
    const receiver = this.createUplink(media, codec);
    const track: SessionTrack = {
      control: `trackID=${index}`,
      media,
      codec,
      payloadType: format.payloadType,
      sdpDirection: 'sendonly',
      format,
      receiver,
    };
    this.sessionTracks.push(track);
    this.incoming.set(track, new IncomingTrack(createDepacketizer(format), receiver, this.log));
    return receiver;
  }

  /** PLAY: release the queued frames (starting with the replayed key frame) and send from now on. */
  play(): void {
    this.playing = true;
    for (const { sender } of this.senders) sender.resume();
  }

  /** RTP from the client on a backchannel track (TCP channel or UDP). */
  receive(track: SessionTrack, datagram: Buffer): void {
    this.bytesRecv += datagram.length;
    this.incoming.get(track)?.push(datagram);
  }

  private send(track: SessionTrack, packet: Packet): boolean {
    const transport = track.transport;
    // A track the client never SETUP is not sent (a client may take only some tracks of the SDP).
    if (!transport || !track.packetizer) return true;
    if (transport.kind === 'udp') {
      this.bytesSend += transport.udp.send(track.packetizer.packetize(packet));
      return true;
    }
    const bytes = track.shared ? track.shared.frame(packet, transport.channel) : undefined;
    if (bytes) {
      this.bytesSend += bytes.length;
      return this.conn.writeBytes(bytes);
    }
    const before = this.conn.bytesSend;
    const writable = this.conn.writeRtp(transport.channel, track.packetizer.packetize(packet));
    this.bytesSend += this.conn.bytesSend - before;
    return writable;
  }

  protected async release(): Promise<void> {
    // The session's close closes the tracks' UDP ports.
    this.conn.close();
  }
}
