import type { Codec } from '../../core/codec.js';
import { codecToJson } from '../../core/codec.js';
import type { ConnectionDescription, ConnectionJson, SenderJson } from '../../core/connection.js';
import { ConsumerBase } from '../../core/consumer.js';
import type { Disposer } from '../../core/event.js';
import type { Media } from '../../core/media.js';
import type { Packet } from '../../core/packet.js';
import { newNodeId, type Receiver, type Sender, type SenderOptions } from '../../core/track.js';
import { retimeMoof, type InitOptions, type MuxerTrack } from '../../pkg/mp4/index.js';
import { ClientTimeline } from './client-timeline.js';
import { Mp4ModuleError } from './errors.js';
import type { SessionRegistry } from './registry.js';
import { FragmentPacket, type FragmentSession, type SessionTrack } from './session.js';

/** Where a client's bytes go: a WebSocket (MSE) or an HTTP response (stream.mp4). */
export interface FragmentTransport {
  /**
   * Writes the parts of one unit (init segment, or moof + mdat) in order; false when congested. A fragment
   * comes with `unit` (where it sits on this client's timeline), for transports that cut or re-mux (HLS).
   */
  write(parts: readonly Buffer[], unit?: PlacedUnit): boolean;
  /** Calls `handler` each time a congested transport can take more. */
  onDrain(handler: () => void): Disposer;
  close(): void;
}

/** One fragment as placed on a client's timeline. */
export interface PlacedUnit {
  readonly track: MuxerTrack;
  /** In ticks of the track's timescale, on this client's timeline. */
  readonly decodeTime: number;
  readonly duration: number;
  /** A video key frame. */
  readonly keyframe: boolean;
  /** The shared mdat (8-byte header, then the sample). */
  readonly mdat: Buffer;
}

export interface FragmentConsumerOptions {
  /**
   * Cached frames keep their real spacing instead of being squeezed to 1 ms each: for HLS, whose players
   * time segments by their frames, rather than MSE, where the squeeze shows the newest picture at once.
   */
  timedReplay?: boolean;
  /** How long to wait for the first key frame (the init segment needs it). Defaults to 10 s. */
  readyTimeoutMs?: number;
  /** The client's queue of shared fragments while its transport is congested. */
  sender?: SenderOptions;
}

const DEFAULT_SENDER: SenderOptions = { maxQueuePackets: 256, maxQueueBytes: 8 * 1024 * 1024 };

interface TrackCounters {
  readonly id: number;
  packets: number;
  bytes: number;
}

/**
 * A client of a shared fMP4 session (MSE over WebSocket, progressive stream.mp4). Negotiation records the
 * matched tracks; `prepare()` joins the session for them and waits for its init segment; `begin()` sends the
 * init segment and attaches one sender to the session's output, whose queue and drop policy (video: drop to
 * the next key frame) protect the other clients from this one. Each fragment costs this client a re-timed
 * copy of its moof and the socket write; the mdat is shared.
 */
export abstract class FragmentConsumer extends ConsumerBase {
  private readonly wanted: SessionTrack[] = [];
  private session: FragmentSession | undefined;
  private timeline: ClientTimeline | undefined;
  private sender: Sender | undefined;
  private counters: TrackCounters[] = [];
  private sequence = 0;
  private disposeDrain: Disposer | undefined;
  private readonly readyTimeoutMs: number;
  private readonly senderOptions: SenderOptions;
  private readonly timedReplay: boolean;

  protected constructor(
    description: ConnectionDescription,
    medias: readonly Media[],
    private readonly registry: SessionRegistry,
    protected readonly transport: FragmentTransport,
    options: FragmentConsumerOptions = {},
  ) {
    super(description, medias);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.senderOptions = { ...DEFAULT_SENDER, ...options.sender };
    this.timedReplay = options.timedReplay ?? false;
  }

  addTrack(media: Media, codec: Codec, receiver: Receiver): void {
    // Video first, as go2rtc orders tracks; at most one track per kind.
    if (this.wanted.some((t) => t.media.kind === media.kind)) return;
    const track = { media, codec, receiver };
    if (media.kind === 'video') this.wanted.unshift(track);
    else this.wanted.push(track);
  }

  /** The shared session's MP4 tracks, in init segment order, once `prepare()` resolved (HLS re-muxes them). */
  get muxerTracks(): readonly MuxerTrack[] {
    return this.session?.muxerTracks ?? [];
  }

  /** Joins the session for the negotiated tracks and waits until it can write; returns the MIME type. */
  async prepare(): Promise<string> {
    if (this.session) throw new Error('mp4: prepare() called twice');
    if (this.wanted.length === 0) throw new Mp4ModuleError('MP4_CODEC_UNSUPPORTED', 'mp4: no track to send');
    const session = this.registry.acquire(this.wanted);
    this.session = session;
    if (!session.isReady) await this.waitReady(session);
    const mime = session.mimeType;
    if (this.isClosed || session.isClosed || mime === undefined) {
      throw new Mp4ModuleError('MP4_SOURCE_ENDED', 'mp4: stream ended before it started');
    }
    this.counters = session.muxed.map(() => ({ id: newNodeId(), packets: 0, bytes: 0 }));
    return mime;
  }

  /** Sends the init segment (with this client's rotate/scale), then every fragment from the last key frame on. */
  begin(initOptions?: InitOptions): void {
    const session = this.session;
    const init = session?.init(initOptions);
    if (!session || !init || this.isClosed || this.sender) return;
    this.bytesSend += init.length;
    this.transport.write([init]);
    const timescales = session.muxerTracks.map((t) => t.timescale);
    // liveFrom 0: no fragment counts as a replay, so cached ones are placed by their session times.
    this.timeline = new ClientTimeline(timescales, this.timedReplay ? 0 : session.nextSequence);
    const outCodec = session.output.codec;
    const media: Media = { kind: session.hasVideo ? 'video' : 'audio', direction: 'sendonly', codecs: [outCodec] };
    this.disposeDrain = this.transport.onDrain(() => this.sender?.resume());
    const sender = this.attach(media, outCodec, session.output, (packet) => this.deliver(packet), this.senderOptions);
    this.sender = sender;
    sender.onDetach.subscribe(() => void this.close());
  }

  private waitReady(session: FragmentSession): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const disposers: Disposer[] = [];
      const finish = (error?: Error) => {
        clearTimeout(timer);
        for (const dispose of disposers) dispose();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new Mp4ModuleError('MP4_NO_KEYFRAME', `mp4: no key frame within ${this.readyTimeoutMs} ms`)),
        this.readyTimeoutMs,
      );
      disposers.push(session.onReady.once(() => finish()));
      disposers.push(
        session.onClose.once(() =>
          finish(new Mp4ModuleError('MP4_SOURCE_ENDED', 'mp4: stream ended before it started')),
        ),
      );
      disposers.push(this.onClose.once(() => finish(new Mp4ModuleError('MP4_SOURCE_ENDED', 'mp4: client left'))));
    });
  }

  private deliver(packet: Packet): boolean {
    const timeline = this.timeline;
    const session = this.session;
    if (!(packet instanceof FragmentPacket) || !timeline || !session) return true;
    const fragment = packet.fragment;
    const track = session.muxerTracks[fragment.trackIndex];
    const placement = timeline.place(fragment, track?.kind === 'video');
    if (!placement) return true;
    this.sequence = this.sequence >= 0xffffffff ? 1 : this.sequence + 1;
    const size = fragment.moof.length + fragment.mdat.length;
    this.bytesSend += size;
    const counter = this.counters[fragment.trackIndex];
    if (counter) {
      counter.packets++;
      counter.bytes += size;
    }
    const parts = [retimeMoof(fragment.moof, this.sequence, placement.decodeTime, placement.duration), fragment.mdat];
    if (!track) return this.transport.write(parts);
    const unit: PlacedUnit = {
      track,
      decodeTime: placement.decodeTime,
      duration: placement.duration ?? fragment.duration,
      keyframe: fragment.keyframe,
      mdat: fragment.mdat,
    };
    return this.transport.write(parts, unit);
  }

  protected async release(): Promise<void> {
    this.disposeDrain?.();
    this.disposeDrain = undefined;
    // Detach before the session may close its output (which would detach us again).
    if (this.sender && this.session) this.session.output.removeSink(this.sender);
    this.session?.release();
    // Before begin() the transport is not ours to close: a failed `mse` request leaves the WebSocket open
    // for the player's fallback (go2rtc's player switches to mjpeg on an `mse: …` error).
    if (this.sender) this.transport.close();
  }

  /** go2rtc shows one sender per track with its codec (FLAC for converted G.711) and source receiver. */
  override toJSON(): ConnectionJson {
    const json = super.toJSON();
    const session = this.session;
    if (!session || session.muxed.length === 0) return json;
    const senders = session.muxed.map(({ source, track }, i): SenderJson => {
      const counter = this.counters[i];
      const codec = track.codec === 'FLAC' ? { ...source.codec, name: 'FLAC' as const } : source.codec;
      const item: SenderJson = { id: counter?.id ?? 0, codec: codecToJson(codec), parent: source.receiver.id };
      if (counter?.bytes) item.bytes = counter.bytes;
      if (counter?.packets) item.packets = counter.packets;
      // Drops happen in the client's one queue, to the next key frame; they are shown on the first track.
      if (i === 0 && this.sender?.stats.drops) item.drops = this.sender.stats.drops;
      return item;
    });
    return { ...json, senders };
  }
}
