/**
 * MJPEG, go2rtc's last resort that plays everywhere: `{"type":"mjpeg"}` → the server answers `{"type":"mjpeg"}`
 * and sends each JPEG as one binary message, shown in an <img>.
 */
import { errorConcerns, type Technique, type TechniqueContext, type WsMessage } from './technique.js';

export class MjpegTechnique implements Technique {
  readonly name = 'mjpeg';
  readonly label = 'MJPEG';
  private shown = '';
  private count = 0;
  private decoding = false;
  private timer = 0;

  constructor(private readonly ctx: TechniqueContext) {}

  start(): void {
    this.ctx.image.hidden = false;
    this.ctx.video.hidden = true;
    this.ctx.send({ type: 'mjpeg' });
    // The first JPEG needs a key frame and a transcode on the server: allow for both.
    this.timer = window.setTimeout(() => {
      if (this.count === 0) this.ctx.failed('mjpeg: no picture');
    }, 20_000);
  }

  onMessage(message: WsMessage): void {
    if (errorConcerns(message, ['mjpeg'])) this.ctx.failed(String(message.value));
  }

  onBinary(data: ArrayBuffer): void {
    // A picture still decoding: skip this one rather than queue (the next is a whole picture too).
    if (this.decoding) return;
    const url = URL.createObjectURL(new Blob([data], { type: 'image/jpeg' }));
    const image = this.ctx.image;
    this.decoding = true;
    image.src = url;
    image
      .decode()
      .then(() => {
        this.count++;
        if (this.count === 1) this.ctx.playing();
      })
      .catch(() => {
        // A broken JPEG: the next one replaces it.
      })
      .finally(() => {
        this.decoding = false;
        if (this.shown) URL.revokeObjectURL(this.shown);
        this.shown = url;
      });
  }

  async frames(): Promise<number> {
    return this.count;
  }

  stop(): void {
    window.clearTimeout(this.timer);
    if (this.shown) URL.revokeObjectURL(this.shown);
    this.shown = '';
    this.ctx.image.removeAttribute('src');
    this.ctx.image.hidden = true;
    this.ctx.video.hidden = false;
  }
}
