/**
 * A typed event: `readonly onClose = new Event<[Error | undefined]>()`. Subscribing returns a disposer,
 * so owners can unsubscribe without keeping the handler around (no stringly `emit('x')`).
 */
export type Disposer = () => void;

export class Event<Args extends unknown[]> {
  private handlers: Array<(...args: Args) => void> = [];

  subscribe(handler: (...args: Args) => void): Disposer {
    this.handlers.push(handler);
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  once(handler: (...args: Args) => void): Disposer {
    const dispose = this.subscribe((...args) => {
      dispose();
      handler(...args);
    });
    return dispose;
  }

  /** Handlers run in order; one that throws does not stop the others, its error is re-thrown after. */
  emit(...args: Args): void {
    let failure: unknown;
    let failed = false;
    for (const handler of this.handlers.slice()) {
      try {
        handler(...args);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
    if (failed) throw failure;
  }

  get size(): number {
    return this.handlers.length;
  }

  clear(): void {
    this.handlers = [];
  }
}
