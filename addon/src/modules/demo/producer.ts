import { ProducerBase } from '../../core/producer.js';
import type { Receiver } from '../../core/receiver.js';
import type { Clip, ClipTrack } from './clip.js';

/**
 * Plays the built-in clip in real time, looping, with timestamps that keep growing across loops. Each track
 * runs its own timer aimed at the wall-clock time of its next frame, so pacing does not drift with timer
 * jitter and a late timer catches up by sending what is due.
 */
export class DemoProducer extends ProducerBase {
  private timers: NodeJS.Timeout[] = [];
  private startedAt = 0;

  constructor(
    private readonly clip: Clip,
    url: string,
  ) {
    super({ formatName: 'demo', protocol: 'file', url }, clip.tracks.map((t) => t.media));
  }

  async start(): Promise<void> {
    if (this.startedAt !== 0 || this.isClosed) return;
    this.startedAt = performance.now();
    for (const clipTrack of this.clip.tracks) {
      const receivers = this.tracks.filter((t) => t.media === clipTrack.media).map((t) => t.receiver);
      if (receivers.length > 0) this.play(clipTrack, receivers, 0);
    }
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
