import type { Logger } from 'pino';
import { MediaStream, type MediaStreamTrack, type RTCPeerConnection, type RTCRtpSender } from 'werift';
import type { Codec } from '../../core/codec.js';
import type { ConnectionDescription } from '../../core/connection.js';
import { ConsumerBase } from '../../core/consumer.js';
import { Liveness } from '../../core/liveness.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import type { Receiver } from '../../core/track.js';
import { parseRtcp, type RtcpPacket } from '../../pkg/rtp/rtcp.js';
import { TimestampUnwrapper } from '../../pkg/rtp/sequence.js';
import { hasDtlsAlert } from '../../pkg/webrtc/dtls-record.js';
import { choosePayloadType } from '../../pkg/webrtc/negotiate.js';
import type { SdpMedia } from '../../pkg/webrtc/sdp.js';
import type { EarlyDtlsStats } from './early-dtls.js';
import { createPeerPacketizer, type PeerAudioPacketizer, type PeerVideoPacketizer } from './packetizers.js';
import { checkConsent, tapDecryptedRtcp } from './werift-shim.js';
import { DirectRtpSender } from './rtp-send.js';
import { DEFAULT_PEER_TIMINGS, type PeerTimings } from './timings.js';

export { DEFAULT_PEER_TIMINGS, type PeerTimings } from './timings.js';

/** One track the server sends: the hub's frames, packetized for this peer, into one werift sender. */
interface OutTrack {
  readonly mline: number;
  readonly payloadType: number;
  readonly packetizer: PeerVideoPacketizer | PeerAudioPacketizer;
  readonly video: boolean;
  sender: RTCRtpSender | undefined;
  /** werift's sender without its per-packet extras (rtp-send.ts). */
  direct: DirectRtpSender | undefined;
  /** Frames since the last key frame, held until the peer connects (then sent at once: a quick first picture). */
  pending: Packet[];
  pendingBytes: number;
}

/** The peer's microphone on one m-line, depacketized into the uplink receiver the hub routes to the source. */
interface MicTrack {
  readonly mline: number;
  readonly payloadType: number;
  readonly receiver: Receiver;
  readonly unwrapper: TimestampUnwrapper;
  /** The SSRC the microphone's RTP came with last: a BYE for another source does not end it. */
  ssrc: number | undefined;
}

/** Before the peer connects, at most this much video is held (one GOP of a high bitrate camera). */
const MAX_PENDING_FRAMES = 300;
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

export interface WebRtcStats {
  keyframeRequests: number;
  rtpPacketsSent: number;
  micPacketsReceived: number;
  consentChecks: number;
  /** DTLS records that came before our ICE check completed, kept and handed to DTLS (early-dtls.ts). */
  earlyDtls: EarlyDtlsStats;
}

/**
 * A browser (or any WebRTC peer) watching a stream. The hub attaches tracks before the peer connection
 * exists (negotiation order is go2rtc's: offer, attach, answer); frames arriving before DTLS is up are kept
 * from the last key frame on, and sent the moment it is, so the first picture does not wait for the
 * camera's next key frame.
 */
export class WebRtcConsumer extends ConsumerBase {
  readonly stats: WebRtcStats = {
    keyframeRequests: 0,
    rtpPacketsSent: 0,
    micPacketsReceived: 0,
    consentChecks: 0,
    earlyDtls: { handedOver: 0, dropped: 0 },
  };
  /** Why the peer was dropped (`peer connection closed`, `RTCP BYE`, `DTLS closed`, `consent expired`, ...). */
  closeReason: string | undefined;
  /** Aborted when the consumer is released: late ICE gathering and consent checks stop with it. */
  readonly lifetime = new AbortController();
  private readonly out: OutTrack[] = [];
  private readonly mics: MicTrack[] = [];
  private pc: RTCPeerConnection | undefined;
  private connected = false;
  private timers: NodeJS.Timeout[] = [];
  private disconnectTimer: NodeJS.Timeout | undefined;
  private readonly releaseHooks: Array<() => void> = [];
  private readonly createdAt = performance.now();

  constructor(
    description: ConnectionDescription,
    medias: readonly Media[],
    private readonly offer: readonly SdpMedia[],
    private readonly log: Logger,
    private readonly timings: PeerTimings = DEFAULT_PEER_TIMINGS,
  ) {
    super(description, medias);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** The payload types chosen per m-line index (send first, microphone second): what the answer offers. */
  chosenPayloadTypes(): Map<number, number[]> {
    const map = new Map<number, number[]>();
    for (const track of [...this.out, ...this.mics]) {
      const list = map.get(track.mline) ?? [];
      if (!list.includes(track.payloadType)) list.push(track.payloadType);
      map.set(track.mline, list);
    }
    return map;
  }

  /** Which m-lines send and which receive, for the transceivers' directions. */
  directions(): Map<number, { send: boolean; receive: boolean }> {
    const map = new Map<number, { send: boolean; receive: boolean }>();
    for (const track of this.out) map.set(track.mline, { send: true, receive: map.get(track.mline)?.receive ?? false });
    for (const track of this.mics) map.set(track.mline, { send: map.get(track.mline)?.send ?? false, receive: true });
    return map;
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    const mline = this.mlineOf(media);
    const sdp = this.offer[mline];
    const payloadType = sdp ? choosePayloadType(sdp, codec) : undefined;
    if (payloadType === undefined) throw new Error(`webrtc: m-line ${mline} has no payload type for ${codec.name}`);
    const track: OutTrack = {
      mline,
      payloadType,
      packetizer: createPeerPacketizer(receiver, codec, payloadType),
      video: media.kind === 'video',
      sender: undefined,
      direct: undefined,
      pending: [],
      pendingBytes: 0,
    };
    this.out.push(track);
    this.attach(media, codec, receiver, (packet) => this.write(track, packet));
  }

  getTrack(media: Media, codec: Codec): Receiver {
    const mline = this.mlineOf(media);
    const sdp = this.offer[mline];
    const payloadType = sdp ? choosePayloadType(sdp, codec) : undefined;
    if (payloadType === undefined) throw new Error(`webrtc: m-line ${mline} has no payload type for ${codec.name}`);
    const receiver = this.createUplink(media, codec);
    this.mics.push({ mline, payloadType, receiver, unwrapper: new TimestampUnwrapper(), ssrc: undefined });
    return receiver;
  }

  /** Something to run when the consumer is released (unregister from the TCP port, ...). */
  onRelease(hook: () => void): void {
    this.releaseHooks.push(hook);
  }

  /** Binds the negotiated peer connection: its senders, its microphone tracks and its lifecycle. */
  bindPeer(pc: RTCPeerConnection): void {
    this.pc = pc;
    pc.connectionStateChange.subscribe((state) => this.onState(state));
    pc.iceConnectionStateChange.subscribe((state) => {
      this.log.trace(
        { consumer: this.id, ice: state, ms: Math.round(performance.now() - this.createdAt) },
        'webrtc ice state',
      );
    });
    pc.onTrack.subscribe((track) => this.onRemoteTrack(track));
    this.timers.push(
      setTimeout(() => {
        if (!this.connected) this.drop('peer did not connect in time');
      }, this.timings.connectTimeoutMs),
    );
  }

  /** Drops the peer for `reason` unless it connects within `ms` (sooner than the general connect timeout). */
  requireConnectionWithin(ms: number, reason: string): void {
    if (this.connected || this.isClosed) return;
    this.timers.push(
      setTimeout(() => {
        if (!this.connected) this.drop(reason);
      }, ms),
    );
  }

  /** After setRemoteDescription: the werift sender of each m-line this consumer sends on. */
  bindSenders(): void {
    const pc = this.pc;
    if (!pc) return;
    for (const track of this.out) {
      const transceiver = pc.getTransceivers().find((t) => t.mLineIndex === track.mline);
      if (!transceiver) continue;
      track.sender = transceiver.sender;
      track.direct = new DirectRtpSender(transceiver.sender);
      // One stream id for video and audio: browsers put the tracks in one MediaStream (go2rtc's player
      // ignores tracks without a stream) and keep them in sync.
      transceiver.sender.setStreams([new MediaStream({ id: `ts2rtc-${this.id}` })]);
      transceiver.sender.onPictureLossIndication.subscribe(() => this.onKeyframeRequest());
      transceiver.sender.onRtcp.subscribe((rtcp) => {
        // werift raises an event for PLI only; a FIR (payload-specific feedback, FMT 4) comes as plain RTCP.
        if (rtcp.type === 206 && 'feedback' in rtcp && rtcp.feedback.count === 4) this.onKeyframeRequest();
      });
    }
  }

  private mlineOf(media: Media): number {
    const index = Number(media.id);
    if (!Number.isInteger(index) || index < 0) throw new Error('webrtc: media without an m-line index');
    return index;
  }

  private write(track: OutTrack, packet: Packet): boolean {
    if (this.connected && track.pending.length > 0) {
      // The held GOP is still going out (drain): this frame follows it, in order.
      track.pending.push(packet);
      return true;
    }
    if (!this.connected || !track.sender) {
      if (!track.video) return true; // audio before the peer is up is simply late
      if (packet.keyframe) {
        track.pending = [];
        track.pendingBytes = 0;
      }
      if (
        track.pending.length < MAX_PENDING_FRAMES &&
        track.pendingBytes + packet.payload.length <= MAX_PENDING_BYTES
      ) {
        track.pending.push(packet);
        track.pendingBytes += packet.payload.length;
      }
      return true;
    }
    this.send(track, packet);
    return true;
  }

  private send(track: OutTrack, packet: Packet): void {
    const direct = track.direct;
    if (!direct) return;
    track.packetizer.each(packet, (sequence, timestamp, marker, payload) => {
      if (!direct.send(sequence, timestamp, marker, payload)) return;
      this.bytesSend += payload.length + 12;
      this.stats.rtpPacketsSent++;
    });
  }

  private onState(state: string): void {
    this.log.trace(
      { consumer: this.id, state, ms: Math.round(performance.now() - this.createdAt) },
      'webrtc peer state',
    );
    if (state === 'connected') {
      if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
      this.disconnectTimer = undefined;
      if (!this.connected) this.onConnected();
      return;
    }
    if (state === 'failed' || state === 'closed') {
      this.drop(`peer connection ${state}`);
      return;
    }
    if (state === 'disconnected' && !this.disconnectTimer) {
      this.disconnectTimer = setTimeout(() => this.drop('peer disconnected'), this.timings.disconnectedGraceMs);
    }
  }

  private onConnected(): void {
    this.connected = true;
    const pc = this.pc;
    const pair = pc?.iceTransports[0]?.connection.nominated;
    if (pair) {
      this.description.remoteAddr = `${pair.remoteCandidate.host}:${pair.remoteCandidate.port}`;
      this.description.protocol = pair.localCandidate.transport === 'tcp' ? 'tcp' : 'udp';
    }
    this.log.debug(
      {
        consumer: this.id,
        remote: this.description.remoteAddr,
        ms: Math.round(performance.now() - this.createdAt),
        earlyDtlsRecords: this.stats.earlyDtls.handedOver,
      },
      'webrtc peer connected',
    );
    for (const track of this.out) {
      track.pendingBytes = 0;
      this.drain(track);
    }
    this.watchPeer();
  }

  /**
   * Sends the held frames one per event-loop turn: a whole GOP (up to ~1000 packets) at once held the event
   * loop until the last packet was encrypted (0.1–0.4 s with a cold JIT), every other viewer's frames behind
   * it; on werift's own sockets (no shared UDP port, whose `lookupNow` sends at once) even its key frame
   * stayed in the process that long, as dgram resolves the address on the next tick. Frames that come
   * meanwhile queue behind (write), so the peer gets them in order.
   */
  private drain(track: OutTrack): void {
    const packet = track.pending.shift();
    if (!packet || this.isClosed) return;
    this.send(track, packet);
    if (track.pending.length > 0) setImmediate(() => this.drain(track));
  }

  /**
   * How a connected peer's end is noticed: its DTLS close_notify (any alert record, see below), an
   * RTCP BYE for what it sends us, or (a peer that vanished without a word) our consent checks going
   * unanswered for `idleTimeoutMs` while nothing else arrives either.
   */
  private watchPeer(): void {
    const pc = this.pc;
    if (!pc) return;
    const dtls = pc.dtlsTransports[0];
    if (dtls) {
      const { unSubscribe } = dtls.onStateChange.subscribe((state) => {
        if (state === 'closed' || state === 'failed') this.drop(`DTLS ${state}`);
      });
      this.releaseHooks.push(unSubscribe);
    }
    try {
      tapDecryptedRtcp(pc, (rtcp) => this.onRtcp(rtcp));
    } catch (err) {
      this.log.warn({ err, consumer: this.id }, 'webrtc: RTCP BYE is not watched');
    }
    const connection = pc.iceTransports[0]?.connection;
    const liveness = new Liveness(this.timings.idleTimeoutMs, this.timings.consentIntervalMs, Date.now());
    if (connection) {
      const { unSubscribe } = connection.onData.subscribe((datagram: Buffer) => {
        liveness.seen(Date.now());
        // werift 0.24 reads an encrypted alert's first bytes as if they were plain: when they happen to name
        // a known alert it does not decrypt, throws "alert fatal error" and never reports the close (aiortc's
        // close_notify went unnoticed in 2 closes of 6, the viewer lingering 7 s until consent expired). The
        // record's content type is in the clear, so the close is seen here instead.
        if (hasDtlsAlert(datagram)) this.drop('DTLS closed');
      });
      this.releaseHooks.push(unSubscribe);
    }
    let checking = false;
    const check = setInterval(() => {
      if (liveness.tick(Date.now())) {
        this.drop('consent expired (no answer from the peer)');
        return;
      }
      if (checking || !this.pc) return;
      checking = true;
      this.stats.consentChecks++;
      const answeredAt = Date.now();
      checkConsent(this.pc, Math.max(200, this.timings.consentIntervalMs), this.lifetime.signal)
        .then((answered) => {
          if (answered) liveness.seen(answeredAt);
          else this.log.trace({ consumer: this.id }, 'webrtc consent check unanswered');
        })
        .catch((err: unknown) => this.log.debug({ err, consumer: this.id }, 'consent check failed'))
        .finally(() => {
          checking = false;
        });
    }, this.timings.consentIntervalMs);
    this.timers.push(check);
  }

  private onRtcp(data: Buffer): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(data);
    } catch {
      return; // werift drops what it cannot parse; so do we
    }
    for (const packet of packets) {
      if (packet.type !== 'bye') continue;
      // A BYE for a microphone that still sends is a track ending (the viewer keeps watching); any other is
      // the peer leaving.
      const micStillSending = this.mics.some((m) => m.ssrc !== undefined && !packet.ssrcs.includes(m.ssrc));
      if (!micStillSending) this.drop('RTCP BYE');
    }
  }

  private onRemoteTrack(track: MediaStreamTrack): void {
    const transceiver = this.pc
      ?.getTransceivers()
      .find((t) => t.receiver.track === track || t.receiver.tracks.includes(track));
    const mline = transceiver?.mLineIndex;
    const mic = this.mics.find((m) => m.mline === mline);
    if (!mic) return;
    const { unSubscribe } = track.onReceiveRtp.subscribe((rtp) => {
      if (rtp.header.payloadType !== mic.payloadType || rtp.payload.length === 0) return;
      this.stats.micPacketsReceived++;
      mic.ssrc = rtp.header.ssrc;
      this.bytesRecv += rtp.payload.length;
      mic.receiver.write({
        payload: rtp.payload,
        timestamp: mic.unwrapper.unwrap(rtp.header.timestamp),
        keyframe: true,
      });
    });
    this.releaseHooks.push(unSubscribe);
  }

  private onKeyframeRequest(): void {
    // The hub has no way yet to ask a source for a key frame; late joiners get the GOP cache instead.
    this.stats.keyframeRequests++;
  }

  /** Ends the consumer for `reason` (kept in `closeReason`, logged). */
  drop(reason: string): void {
    if (this.isClosed) return;
    this.closeReason = reason;
    this.log.debug(
      { consumer: this.id, reason, ms: Math.round(performance.now() - this.createdAt) },
      'webrtc peer closed',
    );
    void this.stop();
  }

  protected async release(): Promise<void> {
    this.lifetime.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = undefined;
    for (const track of this.out) track.pending = [];
    for (const hook of this.releaseHooks.splice(0)) hook();
    const pc = this.pc;
    this.pc = undefined;
    if (pc) await pc.close();
  }
}
