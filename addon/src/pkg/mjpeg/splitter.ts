/** A frame larger than this is not a camera picture; the splitter drops it and looks for the next SOI. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface SplitterStats {
  /** Bytes skipped while looking for a start of image (garbage before or between frames). */
  skippedBytes: number;
  /** Frames dropped because they grew past the cap, or broke off and started over. */
  droppedFrames: number;
}

type State = 'soi' | 'segments' | 'scan';

/**
 * Cuts a byte stream of concatenated JPEG images (ffmpeg `-f mjpeg`, an `exec:` pipe) into whole images. It
 * follows the marker structure rather than searching for FF D9, so an EOI inside an embedded EXIF thumbnail
 * does not end the picture early; progressive images (several scans) are whole too. Garbage between images is
 * skipped and counted, a frame past the cap is dropped and counted, and nothing here throws or waits: a
 * broken stream only costs the broken frames.
 */
export class JpegStreamSplitter {
  readonly stats: SplitterStats = { skippedBytes: 0, droppedFrames: 0 };
  private buf: Buffer = Buffer.alloc(0);
  /** Parse position inside `buf`, whose first bytes are the SOI of the frame in progress (state ≠ soi). */
  private pos = 0;
  private state: State = 'soi';

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes held for the frame in progress. */
  get pendingBytes(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) break;
      frames.push(frame);
    }
    if (this.buf.length > this.maxFrameBytes) {
      this.stats.droppedFrames++;
      this.reset();
    }
    return frames;
  }

  private reset(): void {
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.state = 'soi';
  }

  /** Starts over at the byte after this frame's SOI: what looked like a frame was not one. */
  private resync(): void {
    this.stats.droppedFrames++;
    this.buf = this.buf.subarray(1);
    this.pos = 0;
    this.state = 'soi';
  }

  private next(): Buffer | undefined {
    for (;;) {
      if (this.state === 'soi' && !this.findSoi()) return undefined;
      if (this.state === 'segments') {
        const outcome = this.walkSegments();
        if (outcome === 'more') return undefined;
        if (outcome === 'resync') continue;
        if (outcome !== 'scan') return outcome;
      }
      if (this.state === 'scan') {
        const outcome = this.scan();
        if (outcome === 'more') return undefined;
        if (outcome === 'segments') continue;
        return outcome;
      }
    }
  }

  private findSoi(): boolean {
    const b = this.buf;
    let i = b.indexOf(0xff);
    while (i >= 0 && i + 1 < b.length && b[i + 1] !== 0xd8) i = b.indexOf(0xff, i + 1);
    if (i < 0) {
      this.stats.skippedBytes += b.length;
      this.buf = Buffer.alloc(0);
      return false;
    }
    if (i + 1 >= b.length) {
      // A lone FF at the end may be the first half of the next SOI.
      this.stats.skippedBytes += i;
      this.buf = b.subarray(i);
      return false;
    }
    this.stats.skippedBytes += i;
    this.buf = b.subarray(i);
    this.pos = 2;
    this.state = 'segments';
    return true;
  }

  /** Marker segments up to the scan: 'scan' when the scan starts, a frame for an image without one. */
  private walkSegments(): 'more' | 'resync' | 'scan' | Buffer {
    const b = this.buf;
    for (;;) {
      if (this.pos + 2 > b.length) return 'more';
      if (b[this.pos] !== 0xff) {
        this.resync();
        return 'resync';
      }
      const marker = b[this.pos + 1] ?? 0;
      if (marker === 0xff) {
        this.pos++;
        continue;
      }
      if (marker === 0xd9) return this.emit(this.pos + 2);
      if (marker === 0xd8 || marker === 0x00) {
        this.resync();
        return 'resync';
      }
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        this.pos += 2;
        continue;
      }
      if (this.pos + 4 > b.length) return 'more';
      const length = b.readUInt16BE(this.pos + 2);
      if (length < 2) {
        this.resync();
        return 'resync';
      }
      this.pos += 2 + length;
      if (marker === 0xda) {
        this.state = 'scan';
        return 'scan';
      }
    }
  }

  /** Entropy-coded data: FF is followed by 00 (stuffing), a restart marker, EOI, or another segment. */
  private scan(): 'more' | 'segments' | Buffer {
    const b = this.buf;
    for (;;) {
      const i = b.indexOf(0xff, this.pos);
      if (i < 0 || i + 1 >= b.length) {
        // Keep a trailing FF for the next chunk to complete.
        this.pos = i < 0 ? Math.max(this.pos, b.length) : i;
        return 'more';
      }
      const marker = b[i + 1] ?? 0;
      if (marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
        this.pos = i + 2;
        continue;
      }
      if (marker === 0xff) {
        this.pos = i + 1;
        continue;
      }
      if (marker === 0xd9) return this.emit(i + 2);
      // A table or a further scan of a progressive image.
      this.pos = i;
      this.state = 'segments';
      return 'segments';
    }
  }

  private emit(end: number): Buffer {
    const frame = this.buf.subarray(0, end);
    this.buf = this.buf.subarray(end);
    this.pos = 0;
    this.state = 'soi';
    return frame;
  }
}
