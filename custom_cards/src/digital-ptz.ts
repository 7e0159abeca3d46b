/**
 * Digital zoom and pan of the picture (AlexxIT's `digital_ptz`): mouse wheel and double click zoom, drag to
 * pan, two-finger pinch; optionally remembered in localStorage. A CSS transform on the wrapper of the video.
 */
import type { DigitalPtzOptions } from './config.js';

const MAX_ZOOM = 10;

export class DigitalPtz {
  private scale = 1;
  private x = 0;
  private y = 0;
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private lastTap = 0;
  private readonly off: Array<() => void> = [];

  constructor(
    private readonly container: HTMLElement,
    private readonly target: HTMLElement,
    private readonly options: DigitalPtzOptions,
    private readonly persistKey: string,
  ) {
    this.restore();
    this.listen('wheel', (ev) => this.onWheel(ev as WheelEvent), { passive: false });
    this.listen('dblclick', (ev) => this.onDoubleClick(ev as MouseEvent));
    this.listen('pointerdown', (ev) => this.onDown(ev as PointerEvent));
    this.listen('pointermove', (ev) => this.onMove(ev as PointerEvent));
    for (const type of ['pointerup', 'pointercancel', 'pointerleave'])
      this.listen(type, (ev) => this.pointers.delete((ev as PointerEvent).pointerId));
    this.render();
  }

  private listen(type: string, handler: (ev: Event) => void, options?: AddEventListenerOptions): void {
    this.container.addEventListener(type, handler, options);
    this.off.push(() => this.container.removeEventListener(type, handler));
  }

  private storageKey(): string {
    return `webrtc-camera:digital-ptz:${typeof this.options.persist === 'string' ? this.options.persist : this.persistKey}`;
  }

  private restore(): void {
    if (this.options.persist === false) return;
    try {
      const saved = JSON.parse(localStorage.getItem(this.storageKey()) ?? 'null') as {
        scale?: number;
        x?: number;
        y?: number;
      } | null;
      if (saved && typeof saved.scale === 'number') {
        this.scale = saved.scale;
        this.x = saved.x ?? 0;
        this.y = saved.y ?? 0;
      }
    } catch {
      // Storage refused (private mode): start unzoomed.
    }
  }

  private save(): void {
    if (this.options.persist === false) return;
    try {
      localStorage.setItem(this.storageKey(), JSON.stringify({ scale: this.scale, x: this.x, y: this.y }));
    } catch {
      // Storage full or refused: zoom still works, it is just not remembered.
    }
  }

  /** Zooms by `factor` keeping the point (px, py) of the container where it is. */
  zoomAt(factor: number, px: number, py: number): void {
    const next = Math.min(MAX_ZOOM, Math.max(1, this.scale * factor));
    const k = next / this.scale;
    this.x = px - (px - this.x) * k;
    this.y = py - (py - this.y) * k;
    this.scale = next;
    this.clamp();
    this.render();
  }

  private clamp(): void {
    const w = this.container.clientWidth;
    const h = this.container.clientHeight;
    this.x = Math.min(0, Math.max(w - w * this.scale, this.x));
    this.y = Math.min(0, Math.max(h - h * this.scale, this.y));
  }

  private render(): void {
    this.target.style.transform = this.scale === 1 ? '' : `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
    this.save();
  }

  private point(ev: MouseEvent): [number, number] {
    const rect = this.container.getBoundingClientRect();
    return [ev.clientX - rect.left, ev.clientY - rect.top];
  }

  private onWheel(ev: WheelEvent): void {
    if (!this.options.mouse_wheel_zoom) return;
    ev.preventDefault();
    const [px, py] = this.point(ev);
    this.zoomAt(Math.exp(-ev.deltaY / 300), px, py);
  }

  private onDoubleClick(ev: MouseEvent): void {
    if (!this.options.mouse_double_click_zoom) return;
    const [px, py] = this.point(ev);
    this.zoomAt(this.scale > 1 ? 1 / this.scale : 2, px, py);
  }

  private onDown(ev: PointerEvent): void {
    // Buttons and the microphone handle their own presses.
    if ((ev.target as HTMLElement | null)?.closest?.('button, .ptz, .shortcuts, .controls')) return;
    const touch = ev.pointerType === 'touch';
    if (touch && this.options.touch_tap_drag_zoom && ev.timeStamp - this.lastTap < 300) {
      const [px, py] = this.point(ev);
      this.zoomAt(this.scale > 1 ? 1 / this.scale : 2, px, py);
    }
    if (touch) this.lastTap = ev.timeStamp;
    this.pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
  }

  private onMove(ev: PointerEvent): void {
    const previous = this.pointers.get(ev.pointerId);
    if (!previous) return;
    const touch = ev.pointerType === 'touch';
    if (this.pointers.size === 2 && touch && this.options.touch_pinch_zoom) {
      const other = [...this.pointers.entries()].find(([id]) => id !== ev.pointerId)?.[1];
      if (other) {
        const before = Math.hypot(previous.x - other.x, previous.y - other.y);
        const after = Math.hypot(ev.clientX - other.x, ev.clientY - other.y);
        const rect = this.container.getBoundingClientRect();
        if (before > 0)
          this.zoomAt(after / before, (ev.clientX + other.x) / 2 - rect.left, (ev.clientY + other.y) / 2 - rect.top);
      }
    } else if (
      this.pointers.size === 1 &&
      this.scale > 1 &&
      (touch ? this.options.touch_drag_pan : this.options.mouse_drag_pan)
    ) {
      this.x += ev.clientX - previous.x;
      this.y += ev.clientY - previous.y;
      this.clamp();
      this.render();
    }
    this.pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
  }

  destroy(): void {
    for (const off of this.off) off();
    this.off.length = 0;
    this.target.style.transform = '';
  }
}
