/**
 * The in-memory log behind `GET /api/log` (application/jsonlines) and `DELETE /api/log`: the newest lines,
 * bounded by count and by bytes, oldest dropped first. go2rtc keeps 16 chunks of 64 KiB (1 MiB); the
 * defaults here match that size and add a line cap.
 */
export interface LogRingOptions {
  /** Defaults to 10 000. */
  readonly maxLines?: number;
  /** UTF-8 bytes including each line's newline. Defaults to 1 MiB. */
  readonly maxBytes?: number;
}

export class LogRing {
  readonly maxLines: number;
  readonly maxBytes: number;
  private lines: string[] = [];
  private sizes: number[] = [];
  /** Index of the oldest kept line; dropped lines before it are compacted away in batches. */
  private head = 0;
  private total = 0;

  constructor(opts: LogRingOptions = {}) {
    this.maxLines = Math.max(1, opts.maxLines ?? 10_000);
    this.maxBytes = Math.max(1, opts.maxBytes ?? 1 << 20);
  }

  /** Adds one line (without its newline). A line bigger than maxBytes alone is kept until the next one. */
  push(line: string): void {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    this.lines.push(line);
    this.sizes.push(size);
    this.total += size;
    while (this.length > 1 && (this.length > this.maxLines || this.total > this.maxBytes)) {
      this.total -= this.sizes[this.head] ?? 0;
      this.head++;
    }
    // Shifting one element at a time is O(n); drop the dead prefix once it is as long as the live part.
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  get length(): number {
    return this.lines.length - this.head;
  }

  /** Bytes the kept lines take as JSON lines text. */
  get bytes(): number {
    return this.total;
  }

  /** Every kept line, each ending in "\n", oldest first. */
  text(): string {
    let out = '';
    for (let i = this.head; i < this.lines.length; i++) out += `${this.lines[i]}\n`;
    return out;
  }

  lastLines(n: number): string[] {
    return this.lines.slice(Math.max(this.head, this.lines.length - n));
  }

  clear(): void {
    this.lines = [];
    this.sizes = [];
    this.head = 0;
    this.total = 0;
  }
}
