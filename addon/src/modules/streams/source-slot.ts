import type { Logger } from 'pino';
import type { Codec } from '../../core/codec.js';
import { codecMatches } from '../../core/codec.js';
import { maskCredentials } from '../../core/creds.js';
import type { ConnectionJson } from '../../core/connection.js';
import { errorMessage } from '../../core/errors.js';
import { Event } from '../../core/event.js';
import type { Media } from '../../core/media.js';
import type { Producer } from '../../core/producer.js';
import { Receiver } from '../../core/track.js';
import type { SourceOrigin, SourceUrl } from './source-url.js';

/** Opens a producer for a source URL. Provided by the hub, which knows the scheme handlers. */
export type ProducerOpener = (url: SourceUrl, origin: SourceOrigin) => Promise<Producer>;

export interface SlotTimings {
  /** How long an unused producer keeps running before it is stopped. */
  idleStopMs: number;
  /** Reconnect delays, one per failed attempt in a row; the last one repeats (the cap). */
  retryDelaysMs: readonly number[];
  /**
   * A producer that played at least this long before it ended starts the delays over. One that ended sooner
   * (a source that flaps: PLAY answered, then the stream dies) counts as one more failed attempt, so a
   * flapping source backs off like one that fails outright instead of being restarted at the first delay.
   */
  stableMs: number;
  /** Milliseconds on a monotonic clock (performance.now); tests run the policy on a mocked one. */
  now: () => number;
}

/**
 * One track of the source: the receiver consumers attach to. The slot makes it and supplies it to every
 * producer session (`Producer.supplyTracks`), which writes into it directly; when the source reconnects the
 * new session writes into the same receiver, so every consumer keeps its socket.
 */
interface SlotTrack {
  /** The current session's media this track comes from (each session describes its own). */
  media: Media;
  readonly codec: Codec;
  readonly receiver: Receiver;
}

interface BackTrack {
  readonly media: Media;
  readonly codec: Codec;
  readonly source: Receiver;
}

/**
 * One source of a stream: the producer (when open), the tracks consumers hang on, and the policy
 * around it: open once for concurrent callers, start once, stop when unused for a grace period, reconnect
 * with backoff while consumers are attached.
 */
export class SourceSlot {
  private producer: Producer | undefined;
  private opening: Promise<Producer> | undefined;
  private starting: Promise<void> | undefined;
  private readonly tracks: SlotTrack[] = [];
  private backTracks: BackTrack[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAttempt = 0;
  /** When the current producer's start() succeeded (`timings.now()`); undefined while not playing. */
  private playingSince: number | undefined;
  private lastError: string | undefined;
  /**
   * The last failed open and until when new viewers get it back without another attempt: viewers that
   * retry at once (a player's reconnect loop, ten readers arriving together) must not dial the camera or
   * spawn ffmpeg once each. The window grows with the reconnect delays; the slot's own reconnects bypass it.
   */
  private openFailure: { error: unknown; until: number; count: number } | undefined;
  private disposed = false;
  /** Fires once when a one-shot slot (a publisher) lost its producer for good. */
  readonly onGone = new Event<[]>();

  private currentUrl: SourceUrl;
  private currentOrigin: SourceOrigin;

  constructor(
    url: SourceUrl,
    origin: SourceOrigin,
    private readonly open: ProducerOpener,
    private readonly timings: SlotTimings,
    private readonly log: Logger,
    /** False for a producer that came to us (RTSP RECORD): when it ends there is nothing to reconnect. */
    private readonly reconnects = true,
    /**
     * go2rtc's source template: a configured URL with `{input}` (`ffmpeg:{input}#video=copy#audio=opus`). A
     * PATCH / RTSPtoWeb add fills it with the URL the client sends, instead of replacing the source.
     */
    readonly template?: string,
  ) {
    this.currentUrl = url;
    this.currentOrigin = origin;
  }

  /** The URL the next open uses (the configured one, or the latest a PATCH put in). */
  get url(): SourceUrl {
    return this.currentUrl;
  }

  get origin(): SourceOrigin {
    return this.currentOrigin;
  }

  /**
   * Points the slot at another URL (go2rtc's `Producer.SetSource`): the next open uses it. A running producer
   * keeps running on the URL it opened, so viewers are not cut when a client re-sends a fresh link (Nest
   * links change on every request); it moves to the new URL when it reconnects or restarts.
   */
  retarget(url: SourceUrl, origin: SourceOrigin): void {
    if (url.raw === this.currentUrl.raw && origin === this.currentOrigin) return;
    this.currentUrl = url;
    this.currentOrigin = origin;
    this.lastError = undefined;
    this.openFailure = undefined;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  get isRunning(): boolean {
    return this.producer !== undefined && this.starting !== undefined;
  }

  /** Opens the producer (once, shared by concurrent callers) and returns its medias. */
  async medias(): Promise<readonly Media[]> {
    // Someone is negotiating with this source: it must not stop under them. If nothing ends up used, the
    // stream calls checkIdle() again afterwards.
    this.cancelIdle();
    return (await this.ensureOpen()).getMedias();
  }

  /** The receiver of a producer media/codec, created on first use (the producer asks `supply` for it). */
  async track(media: Media, codec: Codec): Promise<Receiver> {
    this.cancelIdle();
    const existing = this.findTrack(media, codec);
    if (existing) return existing.receiver;
    const producer = await this.ensureOpen();
    const receiver = producer.getTrack(media, codec);
    // Not one of ours only if the producer made the track before the slot supplied it: consumers get it all
    // the same, and it ends with that producer (reconnect drops it as closed).
    if (!this.tracks.some((t) => t.receiver === receiver)) this.tracks.push({ media, codec, receiver });
    this.cancelIdle();
    return receiver;
  }

  async addBackTrack(media: Media, codec: Codec, source: Receiver): Promise<void> {
    const producer = await this.ensureOpen();
    if (!producer.addTrack) throw new Error(`${this.url.scheme} source has no backchannel`);
    producer.addTrack(media, codec, source);
    this.backTracks.push({ media, codec, source });
    this.cancelIdle();
  }

  /** Starts the producer if some track needs it. A failure schedules a reconnect; consumers keep waiting. */
  async start(): Promise<void> {
    if (this.tracks.length === 0 && this.backTracks.length === 0) return;
    const producer = this.producer;
    if (!producer || this.starting) return this.starting;
    this.starting = producer.start().then(
      () => {
        // A start that finished after the producer was stopped or replaced says nothing about the source now.
        if (this.producer !== producer) return;
        // The backoff is not reset here: only a producer that keeps playing for stableMs resets it.
        this.playingSince = this.timings.now();
        this.lastError = undefined;
      },
      (err: unknown) => {
        this.fail(producer, err);
      },
    );
    return this.starting;
  }

  /** Called by the stream after a consumer left: stop later if nobody uses this source any more. */
  checkIdle(): void {
    this.backTracks = this.backTracks.filter((t) => !t.source.isClosed);
    const used = this.backTracks.length > 0 || this.tracks.some((t) => t.receiver.sinkCount > 0);
    // A publisher decides itself how long it stays; stopping it would hang up on the client.
    if (used || this.disposed || !this.reconnects) return;
    if (!this.producer && !this.opening && !this.retryTimer) return;
    if (this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      void this.shutdown('idle');
    }, this.timings.idleStopMs);
  }

  /** Stops everything now (stream deleted or sources replaced, or process exit). */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.shutdown('disposed');
  }

  toJSON(): ConnectionJson | { url: string; error?: string } {
    if (this.producer) {
      // The producer's receivers are the slot's, which consumers attach to: senders' `parent` and receivers'
      // `childs` link up as in go2rtc's graph. HA's go2rtc integration compares `producers[].url` with the
      // camera's source to decide whether to re-register the stream, so the configured URL is there even
      // when the adapter reports another.
      return {
        ...this.producer.toJSON(),
        url: this.url.raw,
        ...(this.lastError ? { error: this.lastError } : {}),
      };
    }
    return this.lastError ? { url: this.url.raw, error: this.lastError } : { url: this.url.raw };
  }

  private ensureOpen(reconnecting = false): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (!this.opening) {
      const failure = this.openFailure;
      if (failure && !reconnecting && this.timings.now() < failure.until) return Promise.reject(failure.error);
      const opening = this.open(this.url, this.origin).then(
        (producer) => {
          this.opening = undefined;
          this.openFailure = undefined;
          if (this.disposed) {
            void producer.stop();
            throw new Error('source removed while opening');
          }
          this.producer = producer;
          // Only while it is the slot's producer: a late track from one being replaced gets a receiver of its own.
          producer.supplyTracks((media, codec) => (this.producer === producer ? this.supply(media, codec) : undefined));
          this.takeOver(producer);
          producer.onClose.once((error) => this.onProducerClosed(producer, error));
          return producer;
        },
        (err: unknown) => {
          this.opening = undefined;
          this.lastError = errorMessage(err);
          const count = (this.openFailure?.count ?? 0) + 1;
          this.openFailure = { error: err, count, until: this.timings.now() + this.delay(count - 1) };
          throw err;
        },
      );
      this.opening = opening;
    }
    return this.opening;
  }

  /** The reconnect delay after `failures` failed attempts in a row (0: the first delay); the last repeats. */
  private delay(failures: number): number {
    const delays = this.timings.retryDelaysMs;
    return delays[Math.min(failures, delays.length - 1)] ?? 1000;
  }

  private fail(producer: Producer, err: unknown): void {
    const repeated = this.retryAttempt > 0 && this.lastError === errorMessage(err);
    this.lastError = errorMessage(err);
    // A camera that stays down fails every 2 s: the first failure (and any new error) is a warning, the
    // repeats are debug lines, so a night's outage does not fill the log ring.
    const fields = {
      url: maskCredentials(this.url.raw),
      err: maskCredentials(this.lastError),
      attempt: this.retryAttempt,
    };
    if (repeated) this.log.debug(fields, 'source failed again');
    else this.log.warn(fields, 'source failed');
    void producer.stop();
  }

  private onProducerClosed(producer: Producer, error: Error | undefined): void {
    if (this.producer !== producer) return;
    this.producer = undefined;
    this.starting = undefined;
    const playedMs = this.playingSince === undefined ? 0 : this.timings.now() - this.playingSince;
    this.playingSince = undefined;
    if (playedMs >= this.timings.stableMs) this.retryAttempt = 0;
    if (error) this.lastError = error.message;
    if (this.disposed) return;
    if (!this.reconnects) {
      this.disposed = true;
      this.closeTracks();
      this.onGone.emit();
      return;
    }
    const used = this.tracks.some((t) => t.receiver.sinkCount > 0) || this.backTracks.some((t) => !t.source.isClosed);
    if (!used) {
      this.closeTracks();
      return;
    }
    // The upstream is gone; the next session's timestamps start over. A viewer who joins meanwhile, or once
    // it plays, must not get this session's GOP replayed ahead of the new one's frames.
    for (const track of this.tracks) track.receiver.restart();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.retryTimer || this.disposed) return;
    const delay = this.delay(this.retryAttempt);
    this.retryAttempt++;
    this.log.debug({ url: maskCredentials(this.url.raw), delay }, 'source reconnect scheduled');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reconnect();
    }, delay);
  }

  private async reconnect(): Promise<void> {
    let producer: Producer;
    try {
      producer = await this.ensureOpen(true);
    } catch {
      this.scheduleReconnect();
      return;
    }
    // The tracks moved to the new session when it opened (`takeOver`).
    const medias = producer.getMedias();
    for (const back of this.backTracks) {
      const media = medias.find((m) => m.kind === back.media.kind && m.direction === back.media.direction);
      if (media && producer.addTrack && !back.source.isClosed) producer.addTrack(media, back.codec, back.source);
    }
    // The source came back without any track its consumers were using: nothing would start or stop it.
    if (this.tracks.length === 0 && this.backTracks.length === 0) {
      await this.shutdown('no track left');
      return;
    }
    await this.start();
  }

  private async shutdown(reason: string): Promise<void> {
    this.cancelIdle();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const producer = this.producer ?? (await this.opening?.catch(() => undefined));
    this.producer = undefined;
    this.starting = undefined;
    this.playingSince = undefined;
    // Stopped because nobody watches: the next viewer starts with a fresh source and the first delay.
    this.retryAttempt = 0;
    this.closeTracks();
    if (producer) {
      this.log.debug({ url: maskCredentials(this.url.raw), reason }, 'source stop');
      await producer.stop();
    }
  }

  /**
   * A new session of the source takes over the tracks its consumers still hang on (it reconnected): each
   * track moves to its media in the new session, and the producer gets the same receiver to write into.
   * Done as it opens, before any I/O, so a track the producer makes on its own is found by its new media.
   * A track the session lacks ends for its consumers, as does a second one mapped to the same media.
   */
  private takeOver(producer: Producer): void {
    const medias = producer.getMedias();
    for (const track of this.tracks.slice()) {
      const media = medias.find(
        (m) =>
          m.kind === track.media.kind &&
          m.direction === track.media.direction &&
          m.codecs.some((c) => codecMatches(c, track.codec)),
      );
      const codec = media?.codecs.find((c) => codecMatches(c, track.codec));
      if (media && codec && !track.receiver.isClosed) {
        track.media = media;
        if (producer.getTrack(media, codec) === track.receiver) continue;
      }
      track.receiver.close();
      this.tracks.splice(this.tracks.indexOf(track), 1);
    }
  }

  /**
   * The receiver the producer writes a track into: the slot's for that media and codec, made on first use.
   * The producer asks for tracks the slot did not (an RTSP publisher parses every track it gets), so a
   * viewer who comes later finds its GOP cached.
   */
  private supply(media: Media, codec: Codec): Receiver {
    const existing = this.findTrack(media, codec);
    if (existing) return existing.receiver;
    const receiver = new Receiver(media, codec, { continuousTime: true });
    this.tracks.push({ media, codec, receiver });
    return receiver;
  }

  private findTrack(media: Media, codec: Codec): SlotTrack | undefined {
    return this.tracks.find((t) => t.media === media && codecMatches(t.codec, codec));
  }

  private closeTracks(): void {
    for (const track of this.tracks) track.receiver.close();
    this.tracks.length = 0;
    this.backTracks = [];
  }

  private cancelIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
