import type { BackendKind, FallbackReason, ModelScale, ReceiverStats } from '../worker/protocol.js';

export type ReceiverState = 'idle' | 'loading' | 'running' | 'fallback' | 'disposed';

export interface StateChangeEvent {
  readonly state: ReceiverState;
  readonly previous: ReceiverState;
}

export interface FallbackEvent {
  readonly from: BackendKind;
  readonly to: BackendKind;
  readonly reason: FallbackReason;
  readonly detail: string;
}

export interface TierChangeEvent {
  readonly from: string;
  readonly to: string;
  readonly reason: 'too-slow' | 'headroom';
}

/** The model scale painting changed (null: bicubic paints, e.g. while the new scale's model loads). */
export interface ScaleChangeEvent {
  readonly from: ModelScale | null;
  readonly to: ModelScale | null;
  /** The input size that caused it. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** The model painting now, null for bicubic. */
  readonly model: string | null;
}

/** A model update from an update channel started painting (see attachModelUpdates). */
export interface ModelUpdateEvent {
  /** Catalogue name of the model it adapts. */
  readonly model: string;
  readonly scale: ModelScale;
  /** The update's sequence number; stats' modelGeneration shows it while it paints. */
  readonly generation: number;
  /** Size of the update message. */
  readonly bytes: number;
  /** The sender's validation gain over the shipped model (its update info), null when none came. */
  readonly gainDb: number | null;
}

/** Adapted weights failed on this device: `model` paints with its shipped weights again. */
export interface ModelRevertEvent {
  readonly model: string;
  readonly reason: string;
}

export interface ReceiverEventMap {
  statechange: [StateChangeEvent];
  stats: [ReceiverStats];
  fallback: [FallbackEvent];
  tierchange: [TierChangeEvent];
  scalechange: [ScaleChangeEvent];
  modelupdate: [ModelUpdateEvent];
  modelrevert: [ModelRevertEvent];
  error: [Error];
}

type Listener<A extends unknown[]> = (...args: A) => void;
// Stored type-erased; on()/emit() restore the per-event signature.
type AnyListener = (...args: unknown[]) => void;

/**
 * A small typed emitter: EventTarget would force every payload into a CustomEvent. A throwing listener
 * does not stop the others; its error goes to reportError, where the page's error handler sees it.
 */
export class TypedEmitter<M extends { [K in keyof M]: unknown[] }> {
  readonly #listeners = new Map<keyof M, Set<AnyListener>>();

  on<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    if (typeof listener !== 'function') throw new TypeError(`listener for '${String(name)}' must be a function`);
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as unknown as AnyListener);
    return () => this.off(name, listener);
  }

  off<K extends keyof M>(name: K, listener: Listener<M[K]>): void {
    this.#listeners.get(name)?.delete(listener as unknown as AnyListener);
  }

  listenerCount<K extends keyof M>(name: K): number {
    return this.#listeners.get(name)?.size ?? 0;
  }

  protected emit<K extends keyof M>(name: K, ...args: M[K]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(...(args as unknown[]));
      } catch (error) {
        const report = (globalThis as { reportError?: (e: unknown) => void }).reportError;
        if (report !== undefined) report(error);
        else console.error(error);
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
