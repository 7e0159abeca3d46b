/**
 * The microphone button's gesture, kept pure so it is unit-tested: a short click toggles the microphone, a
 * press held longer than `holdMs` is push-to-talk (on while held, back to how it was on release).
 */
export const HOLD_MS = 300;

export class MicGesture {
  private pressedAt = -1;
  private wasOn = false;

  constructor(private readonly holdMs = HOLD_MS) {}

  /** Pointer down: the microphone goes on at once (no delay before talking). Returns the new state. */
  press(now: number, on: boolean): boolean {
    this.pressedAt = now;
    this.wasOn = on;
    return true;
  }

  /** Pointer up (or cancel): returns the new state, or undefined when no press was in progress. */
  release(now: number): boolean | undefined {
    if (this.pressedAt < 0) return undefined;
    const held = now - this.pressedAt >= this.holdMs;
    this.pressedAt = -1;
    // Held: push-to-talk ends, back to how it was. Clicked: a toggle of how it was.
    return held ? this.wasOn : !this.wasOn;
  }

  get pressed(): boolean {
    return this.pressedAt >= 0;
  }
}
