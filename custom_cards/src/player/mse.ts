/**
 * Media Source Extensions: `{"type":"mse","value":"<codecs>"}` → the server answers the MIME type, then sends
 * the fMP4 init segment and fragments as binary messages (contracts.md §2).
 */
import type { Media } from '../config.js';
import {
  errorConcerns,
  onFirstFrame,
  presentedFrames,
  type Technique,
  type TechniqueContext,
  type WsMessage,
} from './technique.js';

/** Offered to the server, filtered by what this browser's MediaSource takes (go2rtc's player list). */
const CODECS = [
  'avc1.640029',
  'avc1.64002A',
  'avc1.640033',
  'hvc1.1.6.L153.B0',
  'mp4a.40.2',
  'mp4a.40.5',
  'flac',
  'opus',
];
/** Playback further behind the newest frame than this jumps ahead (a tab that slept, a slow moment). */
const MAX_LATENCY_S = 2;
/** Buffer kept behind the playhead; older data is removed so hours of playing do not fill memory. */
const KEEP_BEHIND_S = 10;
/** Data waiting while the SourceBuffer is busy; more means this device cannot keep up. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** No picture after the MIME answer by then: the stream is broken here, try the next technique. */
const FIRST_FRAME_TIMEOUT_MS = 15_000;

type MediaSourceClass = typeof MediaSource;

function mediaSourceClass(): MediaSourceClass | undefined {
  const w = window as unknown as { ManagedMediaSource?: MediaSourceClass; MediaSource?: MediaSourceClass };
  return w.ManagedMediaSource ?? w.MediaSource;
}

export function mseSupported(): boolean {
  return mediaSourceClass() !== undefined;
}

export class MseTechnique implements Technique {
  readonly name = 'mse';
  readonly label = 'MSE';
  private source: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private objectUrl = '';
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private isPlaying = false;
  private timer = 0;
  private cancelFrame: (() => void) | null = null;
  /** The MIME type the server chose (tests and the stats line). */
  mime = '';

  constructor(
    private readonly ctx: TechniqueContext,
    private readonly media: readonly Media[],
  ) {}

  start(): void {
    const Source = mediaSourceClass();
    if (!Source) {
      this.ctx.failed('mse: not supported by this browser');
      return;
    }
    const source = new Source();
    this.source = source;
    const video = this.ctx.video;
    const wantVideo = this.media.includes('video');
    const wantAudio = this.media.includes('audio');
    source.addEventListener(
      'sourceopen',
      () => {
        const codecs = CODECS.filter((c) =>
          c.startsWith('avc1') || c.startsWith('hvc1') ? wantVideo : wantAudio,
        ).filter((c) => Source.isTypeSupported(`video/mp4; codecs="${c}"`));
        this.ctx.send({ type: 'mse', value: codecs.join(',') });
      },
      { once: true },
    );
    if ('ManagedMediaSource' in window) {
      // Safari's ManagedMediaSource plays only without AirPlay and through srcObject.
      video.disableRemotePlayback = true;
      video.srcObject = source as unknown as MediaProvider;
    } else {
      this.objectUrl = URL.createObjectURL(source);
      video.src = this.objectUrl;
    }
    this.cancelFrame = onFirstFrame(video, () => {
      this.isPlaying = true;
      window.clearTimeout(this.timer);
      this.ctx.playing();
    });
    this.ctx.play();
  }

  onMessage(message: WsMessage): void {
    if (message.type === 'mse' && !this.buffer && this.source) {
      this.mime = String(message.value);
      try {
        this.buffer = this.source.addSourceBuffer(this.mime);
      } catch (err) {
        this.ctx.failed(`mse: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      this.buffer.mode = 'segments';
      this.buffer.addEventListener('updateend', () => this.afterAppend());
      this.timer = window.setTimeout(() => {
        if (!this.isPlaying) this.ctx.failed('mse: no picture');
      }, FIRST_FRAME_TIMEOUT_MS);
    } else if (errorConcerns(message, ['mse'])) {
      this.ctx.failed(String(message.value));
    }
  }

  onBinary(data: ArrayBuffer): void {
    if (!this.buffer) return;
    this.pending.push(new Uint8Array(data));
    this.pendingBytes += data.byteLength;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.ctx.dropped('mse: this device cannot keep up with the stream');
      return;
    }
    this.pump();
  }

  private pump(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      buffer.appendBuffer(data as Uint8Array<ArrayBuffer>);
    } catch {
      // QuotaExceededError: free what is behind the playhead; the next fragment goes in after that.
      this.trim(true);
    }
  }

  private afterAppend(): void {
    const buffer = this.buffer;
    if (!buffer) return;
    this.followLive(buffer);
    if (!buffer.updating) this.trim(false);
    this.pump();
  }

  /** Start at the first buffered frame; jump ahead when far behind; play a bit faster when slightly behind. */
  private followLive(buffer: SourceBuffer): void {
    const video = this.ctx.video;
    const ranges = buffer.buffered;
    if (ranges.length === 0) return;
    const start = ranges.start(0);
    const end = ranges.end(ranges.length - 1);
    if (video.currentTime < start) video.currentTime = start;
    else if (end - video.currentTime > MAX_LATENCY_S) video.currentTime = Math.max(start, end - 0.5);
    video.playbackRate = end - video.currentTime > 0.5 ? 1.1 : 1;
    if (video.paused && video.readyState >= 2) this.ctx.play();
  }

  private trim(force: boolean): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || buffer.buffered.length === 0) return;
    const keepFrom = this.ctx.video.currentTime - (force ? 1 : KEEP_BEHIND_S);
    const start = buffer.buffered.start(0);
    if (keepFrom - start > (force ? 0 : 5)) buffer.remove(start, keepFrom);
  }

  async frames(): Promise<number> {
    return presentedFrames(this.ctx.video);
  }

  stop(): void {
    window.clearTimeout(this.timer);
    this.cancelFrame?.();
    this.pending = [];
    this.buffer = null;
    const video = this.ctx.video;
    video.removeAttribute('src');
    video.srcObject = null;
    video.load();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = '';
    this.source = null;
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}
