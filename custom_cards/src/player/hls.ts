/**
 * HLS for browsers that play it natively (Safari, iOS): `{"type":"hls","value":"<codecs>"}` → the master
 * playlist text, whose `hls/` links are made absolute against the socket URL (go2rtc's player does the same;
 * behind AlexxIT's proxy they become `/api/webrtc/hls/...`).
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

/** A server without HLS over the socket never answers: try the next technique. */
const ANSWER_TIMEOUT_MS = 5000;

const CODECS = ['avc1.640029', 'avc1.64002A', 'avc1.640033', 'hvc1.1.6.L153.B0', 'mp4a.40.2', 'mp4a.40.5', 'flac'];

export function hlsSupported(video: HTMLVideoElement): boolean {
  return video.canPlayType('application/vnd.apple.mpegurl') !== '';
}

export class HlsTechnique implements Technique {
  readonly name = 'hls';
  readonly label = 'HLS';
  private cancelFrame: (() => void) | null = null;
  private timer = 0;

  constructor(
    private readonly ctx: TechniqueContext,
    private readonly media: readonly Media[],
    private readonly wsUrl: string,
  ) {}

  start(): void {
    const video = this.ctx.video;
    const codecs = CODECS.filter((c) =>
      c.startsWith('avc1') || c.startsWith('hvc1') ? this.media.includes('video') : this.media.includes('audio'),
    ).filter((c) => video.canPlayType(`video/mp4; codecs="${c}"`) !== '');
    this.cancelFrame = onFirstFrame(video, () => this.ctx.playing());
    this.ctx.send({ type: 'hls', value: codecs.join(',') });
    this.timer = window.setTimeout(() => this.ctx.failed('hls: no answer from the server'), ANSWER_TIMEOUT_MS);
  }

  onMessage(message: WsMessage): void {
    if (message.type === 'hls') {
      window.clearTimeout(this.timer);
      const base = this.wsUrl
        .replace(/^ws/, 'http')
        .replace(/\/ws\?.*$/, '/hls/')
        .replace(/\/ws$/, '/hls/');
      const playlist = String(message.value).replace(/^hls\//gm, base);
      this.ctx.video.src = `data:application/vnd.apple.mpegurl;base64,${btoa(playlist)}`;
      this.ctx.play();
    } else if (errorConcerns(message, ['hls'])) {
      this.ctx.failed(String(message.value));
    }
  }

  onBinary(): void {}

  async frames(): Promise<number> {
    return presentedFrames(this.ctx.video);
  }

  stop(): void {
    window.clearTimeout(this.timer);
    this.cancelFrame?.();
    this.ctx.video.removeAttribute('src');
    this.ctx.video.load();
  }
}
