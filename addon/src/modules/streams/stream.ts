import type { Logger } from 'pino';
import type { ConnectionJson } from '../../core/connection.js';
import type { Consumer } from '../../core/consumer.js';
import type { Producer } from '../../core/producer.js';
import { CoreError, errorMessage } from '../../core/errors.js';
import { matchCodec, mediaToString, type Media } from '../../core/media.js';
import { SourceSlot, type ProducerOpener, type SlotTimings } from './source-slot.js';
import { parseSourceUrl, type SourceOrigin, type SourceUrl } from './source-url.js';

export interface StreamJson {
  producers: Array<ConnectionJson | { url: string; error?: string }> | null;
  consumers: ConnectionJson[] | null;
}

/**
 * A named stream: an ordered list of sources and the consumers attached to it. Negotiation is go2rtc's:
 * for every media a consumer wants, take the first source (in configured order) with a media of the opposite
 * direction and a codec the consumer accepts. Sources are opened only as far as a match needs, and only the
 * sources that got a track are started.
 */
export class Stream {
  private slots: SourceSlot[];
  private readonly consumers = new Set<Consumer>();

  constructor(
    readonly name: string,
    sources: ReadonlyArray<{ url: SourceUrl; origin: SourceOrigin; template?: string }>,
    private readonly open: ProducerOpener,
    private readonly timings: SlotTimings,
    private readonly log: Logger,
    /** Told of every consumer attached (the hub's `onConsumerAdded`). */
    private readonly consumerAdded: (stream: string) => void = () => undefined,
  ) {
    this.slots = sources.map((s) => this.newSlot(s.url, s.origin, s.template));
  }

  get sources(): readonly SourceUrl[] {
    return this.slots.map((s) => s.url);
  }

  /** The URLs of the configured (not published) sources, in order: what a PUT would compare with. */
  get configuredSources(): Array<{ raw: string; origin: SourceOrigin }> {
    return this.slots.filter((s) => s.origin !== 'publish').map((s) => ({ raw: s.url.raw, origin: s.origin }));
  }

  /** True when some source is a `{input}` template. */
  get hasTemplates(): boolean {
    return this.slots.some((s) => s.template !== undefined);
  }

  /**
   * go2rtc's `Stream.SetSource` (PATCH, RTSPtoWeb add, a named `/api/ws`): every configured source now reads
   * `input`; a `{input}` template is filled with it instead (`fill` builds and checks the filled URL). Slots
   * are retargeted, not replaced, so what is playing keeps playing. A stream without sources gets one.
   */
  patchSources(input: SourceUrl, origin: SourceOrigin, fill: (template: string) => SourceUrl): void {
    const configured = this.slots.filter((s) => s.origin !== 'publish');
    if (configured.length === 0) {
      this.slots = [this.newSlot(input, origin), ...this.slots];
      return;
    }
    const filled = configured.map((slot) =>
      slot.template !== undefined
        ? { slot, url: fill(slot.template), origin: slot.origin }
        : { slot, url: input, origin },
    );
    for (const { slot, url, origin: o } of filled) slot.retarget(url, o);
    // Untemplated sources all became the same URL: one slot reads it (go2rtc would dial it once per producer).
    const seen = new Set<string>();
    const keep = filled
      .filter(({ slot, url }) => {
        if (slot.template !== undefined) return true;
        if (seen.has(url.raw)) return false;
        seen.add(url.raw);
        return true;
      })
      .map(({ slot }) => slot);
    for (const slot of configured) if (!keep.includes(slot)) void slot.dispose();
    this.slots = [...keep, ...this.slots.filter((s) => s.origin === 'publish')];
  }

  /**
   * What the sources offer, each opened only as far as negotiation opens it (and left to go idle), without
   * the sources `skip` names: an `ffmpeg:` source reading this stream asks what it would get, leaving out
   * itself and the other sources that read this stream (they would ask back).
   */
  async sourceMedias(skip: (url: SourceUrl) => boolean): Promise<Media[]> {
    const medias: Media[] = [];
    for (const slot of this.slots) {
      if (skip(slot.url)) continue;
      try {
        medias.push(...(await slot.medias()));
      } catch {
        // A source that cannot be opened offers nothing; its error shows on its own producer.
      }
      slot.checkIdle();
    }
    return medias;
  }

  get consumerCount(): number {
    return this.consumers.size;
  }

  /**
   * Matches the consumer's medias against the sources and attaches the tracks. Throws `CODEC_MISMATCH` when
   * nothing matched, or `SOURCE_FAILED` when no source could be opened; the consumer is then not attached.
   */
  async addConsumer(consumer: Consumer): Promise<void> {
    const failures: string[] = [];
    const offered: Media[] = [];
    const usedSlots = new Set<SourceSlot>();
    let matched = 0;
    const slots = this.slots;
    // Subscribe first: a client may hang up while sources are still being opened.
    let closedEarly = false;
    const unsubscribe = consumer.onClose.once(() => {
      closedEarly = true;
      this.removeConsumer(consumer);
    });
    // A consumer never gets the same source track twice (`?audio=all` asks for several audio medias).
    const taken = new Set<Media>();
    for (const wanted of consumer.getMedias()) {
      let found = false;
      for (const slot of slots) {
        let medias: readonly Media[];
        try {
          medias = await slot.medias();
        } catch (err) {
          const message = `${slot.url.raw}: ${errorMessage(err)}`;
          if (!failures.includes(message)) failures.push(message);
          continue;
        }
        for (const media of medias) {
          if (!offered.includes(media)) offered.push(media);
          if (taken.has(media)) continue;
          const match = matchCodec(wanted, media);
          if (!match) continue;
          if (wanted.direction === 'sendonly') {
            consumer.addTrack(wanted, match.offered, await slot.track(media, match.offered));
          } else {
            if (!consumer.getTrack) continue;
            await slot.addBackTrack(media, match.offered, consumer.getTrack(wanted, match.offered));
          }
          usedSlots.add(slot);
          taken.add(media);
          found = true;
          break;
        }
        if (found) break;
      }
      if (found) matched++;
    }
    if (matched === 0) {
      unsubscribe();
      for (const slot of slots) slot.checkIdle();
      if (offered.length === 0 && failures.length > 0) {
        throw new CoreError('SOURCE_FAILED', `streams: ${failures.join('; ')}`);
      }
      const want = consumer.getMedias().map(mediaToString).join('; ');
      const have = offered.map(mediaToString).join('; ');
      throw new CoreError('CODEC_MISMATCH', `streams: codecs not matched: ${want} => ${have || 'no medias'}`);
    }
    if (closedEarly) {
      await consumer.stop();
      for (const slot of usedSlots) slot.checkIdle();
      throw new CoreError('CONSUMER_CLOSED', 'streams: consumer closed during negotiation');
    }
    this.consumers.add(consumer);
    // Sources opened only to look at their medias, and not needed, close after the grace period.
    for (const slot of slots) if (!usedSlots.has(slot)) slot.checkIdle();
    this.log.debug({ stream: this.name, consumer: consumer.id, tracks: matched }, 'consumer added');
    this.consumerAdded(this.name);
    await Promise.all([...usedSlots].map((slot) => slot.start()));
  }

  /** Detaches a consumer (its own `stop()` removes its senders) and lets unused sources go idle. */
  removeConsumer(consumer: Consumer): void {
    this.consumers.delete(consumer);
    void consumer.stop().finally(() => {
      for (const slot of this.slots) slot.checkIdle();
    });
  }

  /** Replaces the source list (PUT/PATCH). Slots for URLs that stay keep running. */
  setSources(sources: ReadonlyArray<{ url: SourceUrl; origin: SourceOrigin; template?: string }>): void {
    const next = sources.map(({ url, origin, template }) => {
      const keep = this.slots.find((s) => s.url.raw === url.raw && s.origin === origin && s.template === template);
      return keep ?? this.newSlot(url, origin, template);
    });
    // Publishers are not part of the source list a PUT replaces; they stay while connected.
    const publishers = this.slots.filter((s) => s.origin === 'publish');
    for (const slot of this.slots) if (!next.includes(slot) && !publishers.includes(slot)) void slot.dispose();
    this.slots = [...next, ...publishers];
  }

  /**
   * A producer that came to us (RTSP ANNOUNCE/RECORD) becomes a source of this stream for as long as it is
   * connected; it is tried after the configured sources, and dropped when it ends.
   */
  addPublisher(producer: Producer, description: string): void {
    const url = parseSourceUrl(description);
    let handedOut = false;
    const slot = new SourceSlot(
      url,
      'publish',
      async () => {
        if (handedOut) throw new CoreError('SOURCE_FAILED', 'publisher is gone');
        handedOut = true;
        return producer;
      },
      this.timings,
      this.log,
      false,
    );
    slot.onGone.once(() => {
      this.slots = this.slots.filter((s) => s !== slot);
    });
    this.slots = [...this.slots, slot];
    // Open at once so the slot holds the producer and notices when it ends, even before any consumer.
    void slot.medias().catch(() => undefined);
  }

  /** Stops every consumer and source. */
  async stop(): Promise<void> {
    const consumers = [...this.consumers];
    this.consumers.clear();
    await Promise.all(consumers.map((c) => c.stop()));
    await Promise.all(this.slots.map((s) => s.dispose()));
  }

  toJSON(): StreamJson {
    const producers = this.slots.map((s) => s.toJSON());
    const consumers = [...this.consumers].map((c) => c.toJSON());
    return { producers: producers.length ? producers : null, consumers: consumers.length ? consumers : null };
  }

  private newSlot(url: SourceUrl, origin: SourceOrigin, template?: string): SourceSlot {
    return new SourceSlot(url, origin, this.open, this.timings, this.log, true, template);
  }
}
