/**
 * The sender's pause requests and the worker's confirmations: each request gets a rising id; pause()
 * waits for the confirmation of its own request or a later one (the worker answers in order, after the
 * step in flight, so an update it posted before the answer reaches the main thread first).
 */
export class PauseRequests {
  #sent = 0;
  #confirmed = 0;
  #waiters: { id: number; resolve(): void }[] = [];

  /** The id of a new request. */
  next(): number {
    return ++this.#sent;
  }

  /** Resolves once the newest request so far is confirmed (at once when there is none pending). */
  settled(): Promise<void> {
    const id = this.#sent;
    if (id <= this.#confirmed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ id, resolve }));
  }

  /** The worker confirmed request `id`; true when it is the newest (the state may follow it). */
  confirm(id: number): boolean {
    if (id <= this.#confirmed) return false;
    this.#confirmed = id;
    const done = this.#waiters.filter((w) => w.id <= id);
    this.#waiters = this.#waiters.filter((w) => w.id > id);
    for (const w of done) w.resolve();
    return id >= this.#sent;
  }

  /** The worker is gone (disposed, failed): it publishes nothing more, so nobody waits. */
  release(): void {
    this.#confirmed = Number.POSITIVE_INFINITY;
    for (const w of this.#waiters.splice(0)) w.resolve();
  }
}
