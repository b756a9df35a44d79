import type { DisposeRequest, LeakReport } from '../worker/protocol.js';
import { InvalidStateError, SwiftSRError } from './errors.js';
import { TypedEmitter } from './events.js';

/**
 * The main-thread side of a SwiftSR worker, shared by SwiftSRReceiver and SwiftSRSender: which script runs,
 * the hello, message routing, the worker failing, and dispose with a leak report.
 */

/** `workerUrl` when the app gives one; else `bundled()`, which keeps its `new Worker(new URL(…, import.meta.url), { type: 'module' })` literal in the caller, where bundlers look for it. */
export function openWorker(workerUrl: string | URL | null, name: string, bundled: () => Worker): Worker {
  return workerUrl !== null ? new Worker(workerUrl, { type: 'module', name }) : bundled();
}

export interface WorkerHostOptions<From> {
  /** Names the worker in error messages ('the SwiftSR worker', 'the SwiftSR sender worker'). */
  readonly label: string;
  readonly isMessage: (data: unknown) => data is From;
  /** Every message from the worker, its hello and leak report included. */
  readonly onMessage: (message: From) => void;
  /** The script failed to load or threw outside a message handler: a 'worker-failed' SwiftSRError. */
  readonly onFailed: (error: SwiftSRError) => void;
}

/** The replies the host reads itself (optional `leaks`: every other reply type is assignable, 'disposed' carries it). */
type Reply = { readonly type: string; readonly leaks?: LeakReport };

export class WorkerHost<To extends { readonly type: string }, From extends Reply> {
  /** The worker's first message; rejects with 'worker-failed' if the script fails before it. */
  readonly hello: Promise<Extract<From, { readonly type: 'hello' }>>;
  readonly #worker: Worker;
  #onDisposed: ((leaks: LeakReport) => void) | null = null;
  #disposing: Promise<LeakReport> | null = null;

  constructor(worker: Worker, o: WorkerHostOptions<From>) {
    this.#worker = worker;
    let failedToStart: (error: SwiftSRError) => void = () => undefined;
    this.hello = new Promise((resolve, reject) => {
      failedToStart = reject;
      const onHello = (e: MessageEvent<unknown>): void => {
        if (!o.isMessage(e.data) || e.data.type !== 'hello') return;
        worker.removeEventListener('message', onHello);
        resolve(e.data as Extract<From, { readonly type: 'hello' }>);
      };
      worker.addEventListener('message', onHello);
    });
    worker.addEventListener('message', (e: MessageEvent<unknown>) => {
      if (!o.isMessage(e.data)) return;
      if (e.data.type === 'disposed' && e.data.leaks !== undefined) this.#onDisposed?.(e.data.leaks);
      o.onMessage(e.data);
    });
    worker.addEventListener('error', (e: ErrorEvent) => {
      failedToStart(new SwiftSRError('worker-failed', `${o.label} failed to start: ${e.message}`));
      o.onFailed(new SwiftSRError('worker-failed', `${o.label} failed: ${e.message}`));
    });
  }

  post(message: To, transfer: Transferable[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  /**
   * Asks the worker to free everything and waits for its leak report, then terminates it. A worker that
   * gives no report within `timeoutMs` (wedged, or a step that never ends) is terminated anyway and
   * reported as -1/-1: its memory is freed, but what it held is unknown. Idempotent.
   */
  dispose(timeoutMs: number): Promise<LeakReport> {
    this.#disposing ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leaks = await new Promise<LeakReport>((resolve) => {
        this.#onDisposed = resolve;
        this.#worker.postMessage({ type: 'dispose' } satisfies DisposeRequest);
        timer = setTimeout(() => resolve({ numTensors: -1, openFrames: -1 }), timeoutMs);
      });
      clearTimeout(timer);
      this.#worker.terminate();
      return leaks;
    })();
    return this.#disposing;
  }
}

type StateEvents<S> = { statechange: [{ readonly state: S; readonly previous: S }] };

/**
 * The lifecycle both worker-backed classes share: a state with 'disposed' as its end (each change a
 * 'statechange' event), methods that refuse to run after dispose(), and dispose() itself, once.
 */
export class WorkerBackedEmitter<M extends { [K in keyof M]: unknown[] } & StateEvents<S>, S extends string> extends TypedEmitter<M> {
  #state: S | 'disposed';
  #disposing: Promise<LeakReport> | null = null;
  #started: Promise<unknown> | null = null;

  protected constructor(initial: S) {
    super();
    this.#state = initial;
  }

  get state(): S | 'disposed' {
    return this.#state;
  }

  get disposed(): boolean {
    return this.#disposing !== null;
  }

  protected setState(state: S | 'disposed'): void {
    const previous = this.#state;
    if (previous === state || previous === 'disposed') return;
    this.#state = state;
    this.emit('statechange', ...([{ state, previous }] as M['statechange']));
  }

  /** Runs `start` (the subclass's one worker start, always the same function) once; a failed start is forgotten, so the next call tries again. */
  protected startOnce<T>(start: () => Promise<T>): Promise<T> {
    this.#started ??= start().catch((error: unknown) => {
      this.#started = null;
      throw error;
    });
    return this.#started as Promise<T>;
  }

  protected assertAlive(method: string): void {
    if (this.#disposing !== null) throw new InvalidStateError(`${method}() called after dispose()`);
  }

  /**
   * dispose()'s body: `teardown` (what the subclass stops on this thread), then 'disposed', then the
   * worker's leak report (0/0 when it never started) and no listeners left. Later calls get the same promise.
   */
  protected disposeOnce(teardown: () => void, host: { dispose(timeoutMs: number): Promise<LeakReport> } | null, timeoutMs: number): Promise<LeakReport> {
    if (this.#disposing !== null) return this.#disposing;
    teardown();
    this.setState('disposed');
    this.#disposing = (async () => {
      const leaks = host === null ? { numTensors: 0, openFrames: 0 } : await host.dispose(timeoutMs);
      this.removeAllListeners();
      return leaks;
    })();
    return this.#disposing;
  }
}
