/** What the pipeline needs of a frame; VideoFrame fits, and so do the fakes in the unit tests. */
export interface FrameLike {
  readonly displayWidth: number;
  readonly displayHeight: number;
  /** Microseconds. */
  readonly timestamp: number;
  close(): void;
}

/**
 * Latest-frame policy: one frame in flight, at most one waiting. A newer arrival replaces (and closes) the
 * waiting one and counts it as dropped, so a slow GPU shows fresh frames late rather than old frames later.
 * The pipeline owns every frame pushed to it and closes each exactly once, errors included.
 */
export class FramePipeline<F extends FrameLike> {
  #busy = false;
  #pending: F | null = null;
  #closed = false;
  #idle: Promise<void> = Promise.resolve();
  #resolveIdle: (() => void) | null = null;
  dropped = 0;
  processed = 0;

  constructor(
    private readonly process: (frame: F) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  get busy(): boolean {
    return this.#busy;
  }

  push(frame: F): void {
    if (this.#closed) {
      frame.close();
      return;
    }
    if (this.#busy) {
      if (this.#pending !== null) {
        this.#pending.close();
        this.dropped++;
      }
      this.#pending = frame;
      return;
    }
    this.#busy = true;
    this.#idle = new Promise((resolve) => {
      this.#resolveIdle = resolve;
    });
    void this.#run(frame);
  }

  async #run(first: F): Promise<void> {
    let frame: F | null = first;
    while (frame !== null) {
      try {
        await this.process(frame);
        this.processed++;
      } catch (error) {
        this.onError(error);
      } finally {
        frame.close();
      }
      frame = this.#pending;
      this.#pending = null;
    }
    this.#busy = false;
    this.#resolveIdle?.();
    this.#resolveIdle = null;
  }

  /** Closes the waiting frame (its source was detached: nothing of it should still be painted); the one in flight finishes. */
  dropPending(): void {
    this.#pending?.close();
    this.#pending = null;
  }

  /** Resolves once the frame in flight (if any) is done. */
  whenIdle(): Promise<void> {
    return this.#idle;
  }

  /** Drops the waiting frame, refuses new ones, and waits for the one in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pending !== null) {
      this.#pending.close();
      this.#pending = null;
    }
    await this.#idle;
  }
}

/** A frame plus idempotent, counted close(); `frame` is the raw object the GPU APIs need. */
export interface TrackedFrame<F extends FrameLike> extends FrameLike {
  readonly frame: F;
  /** Arrival time in the worker (ms, performance clock). */
  readonly arrivedMs: number;
}

/** Counts frames that are open, so leaks show up in stats and in the dispose report. */
export class FrameLedger {
  #open = 0;

  get open(): number {
    return this.#open;
  }

  adopt<F extends FrameLike>(frame: F, arrivedMs: number): TrackedFrame<F> {
    this.#open++;
    let closed = false;
    return {
      frame,
      arrivedMs,
      displayWidth: frame.displayWidth,
      displayHeight: frame.displayHeight,
      timestamp: frame.timestamp,
      close: () => {
        if (closed) return;
        closed = true;
        this.#open--;
        frame.close();
      },
    };
  }
}
