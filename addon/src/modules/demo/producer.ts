import { ProducerBase } from '../../core/producer.js';
import type { Codec } from '../../core/codec.js';
import type { Media } from '../../core/media.js';
import type { Receiver } from '../../core/track.js';
import type { Clip, ClipTrack } from './clip.js';

/**
 * Plays the built-in clip in real time, looping, with timestamps that keep growing across loops. Each track
 * runs its own timer aimed at the wall-clock time of its next frame, so pacing does not drift with timer
 * jitter and a late timer catches up by sending what is due.
 */
export class DemoProducer extends ProducerBase {
  private timers: NodeJS.Timeout[] = [];
  private startedAt = 0;
  private readonly playing = new Set<ClipTrack>();

  constructor(
    private readonly clip: Clip,
    url: string,
  ) {
    super(
      { formatName: 'demo', protocol: 'file', url },
      clip.tracks.map((t) => t.media),
    );
  }

  async start(): Promise<void> {
    if (this.startedAt !== 0 || this.isClosed) return;
    this.startedAt = performance.now();
    for (const clipTrack of this.clip.tracks) this.startTrack(clipTrack, 0);
  }

  /** A consumer that joins a running stream may want a track nobody wanted yet: start it on the same clock. */
  override getTrack(media: Media, codec: Codec): Receiver {
    const receiver = super.getTrack(media, codec);
    const clipTrack = this.clip.tracks.find((t) => t.media === media);
    if (clipTrack && this.startedAt !== 0 && !this.isClosed) this.startTrack(clipTrack, this.currentIndex(clipTrack));
    return receiver;
  }

  private startTrack(clipTrack: ClipTrack, index: number): void {
    // A described track without frames (a muted microphone) has nothing to play.
    if (this.playing.has(clipTrack) || clipTrack.packets.length === 0) return;
    const receivers = this.tracks.filter((t) => t.media === clipTrack.media).map((t) => t.receiver);
    if (receivers.length === 0) return;
    this.playing.add(clipTrack);
    this.play(clipTrack, receivers, index);
  }

  /** The next frame of a track on the shared clock, so a late track joins in step instead of from 0. */
  private currentIndex(clipTrack: ClipTrack): number {
    const elapsedTicks = ((performance.now() - this.startedAt) * clipTrack.codec.clockRate) / 1000;
    const perLoop = clipTrack.packets.length;
    const loops = Math.floor(elapsedTicks / clipTrack.loopTicks);
    const inLoop = elapsedTicks - loops * clipTrack.loopTicks;
    const offset = clipTrack.packets.findIndex((p) => p.timestamp >= inLoop);
    return loops * perLoop + (offset < 0 ? perLoop : offset);
  }

  private play(track: ClipTrack, receivers: Receiver[], index: number): void {
    const count = track.packets.length;
    const clock = track.codec.clockRate;
    const now = performance.now();
    let next = index;
    for (;;) {
      const loop = Math.floor(next / count);
      const packet = track.packets[next % count]!;
      const timestamp = loop * track.loopTicks + packet.timestamp;
      const due = this.startedAt + (timestamp * 1000) / clock;
      if (due > now) {
        const timer = setTimeout(() => {
          this.timers = this.timers.filter((t) => t !== timer);
          if (!this.isClosed) this.play(track, receivers, next);
        }, due - now);
        this.timers.push(timer);
        return;
      }
      // Loops after the first need their own timestamps; the payload stays shared.
      const out = loop === 0 ? packet : { payload: packet.payload, timestamp, keyframe: packet.keyframe };
      for (const receiver of receivers) receiver.write(out);
      this.bytesRecv += packet.payload.length;
      next++;
    }
  }

  protected async release(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}
