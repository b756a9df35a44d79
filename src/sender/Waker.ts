/** A sleep that another call can cut short: dispose() (and new data) must not wait out a long pacing sleep. */
export class Waker {
  #wake: (() => void) | null = null;

  /** Resolves after `ms` or at the next wake(), whichever comes first. */
  wait(ms: number): Promise<void> {
    this.#wake?.();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#wake = done;
    });
  }

  wake(): void {
    this.#wake?.();
  }
}
