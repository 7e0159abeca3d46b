/**
 * "Not done by then": runs `expired` once `ms` have passed since `arm`, unless `clear` came first, and only
 * after this process has read its sockets once since the time ran out.
 *
 * Node runs due timers before it polls for I/O. When the process did not run for a while (a long GC, a VM
 * paused for a host's backup), every deadline that fell inside the stall would fire first, before the drain
 * or the write completion that clears it, and every client would look stuck. So `expired` runs from
 * setImmediate, after the loop's next I/O poll: a socket that drained meanwhile has cleared it by then.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(private readonly expired: () => void) {}

  get armed(): boolean {
    return this.timer !== undefined || this.immediate !== undefined;
  }

  /** Starts the countdown; a deadline already armed keeps its own. */
  arm(ms: number): void {
    if (this.armed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.expired();
      });
    }, ms);
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}
