import { checkUpdateLayout, readUpdateHeader, type UpdateHeader } from '../adapt/modelUpdate.js';
import { ModelUpdateGate, type GateOptions } from '../adapt/ModelUpdateGate.js';
import { ModelUpdateError } from '../adapt/ModelUpdateError.js';
import { variantUpdateShape, type UpdateBase } from '../adapt/updateBase.js';
import type { ModelRef, WorkerToMain } from './protocol.js';
import type { ModelRenderer } from './renderers.js';

type Renderer = Pick<ModelRenderer<never, never>, 'has' | 'useWeights'>;

/** One loaded model that takes updates: its base, its judge, and the newest update it accepted. */
interface ModelState {
  readonly model: ModelRef;
  readonly base: UpdateBase;
  readonly gate: ModelUpdateGate;
  /** Kept to (re)apply on every renderer that loads the model; null: the shipped weights. */
  newest: { readonly seq: number; readonly values: Float32Array[]; readonly bytes: number } | null;
  /** The last sequence announced with 'modelupdate' (re-applying it after a device loss is silent). */
  announced: number;
}

export interface ModelUpdatesOptions {
  readonly loadBase: (model: ModelRef, signal: AbortSignal) => Promise<UpdateBase | null>;
  readonly post: (message: WorkerToMain) => void;
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly gate?: GateOptions;
}

/**
 * The receiver's side of online adaptation, owned by WorkerSession. Each binary message is routed by its
 * header to the loaded model of that variant and judged by its ModelUpdateGate; a message for a variant
 * not loaded yet waits (the newest per variant name) if all that does not need the base checks out. The
 * newest accepted update of each model is applied by sync() between frames, and again on every renderer
 * that loads the model later (device loss, WebGL rung, a tier switch back). Adapted weights that cannot be
 * built or rendered revert that model to its shipped weights; the renderer itself is not at fault.
 * Nothing here throws at the caller: every refusal becomes an 'update-rejected' message and a count.
 */
export class ModelUpdates {
  readonly #states = new Map<string, ModelState>();
  readonly #bases = new Map<string, Promise<void>>();
  readonly #pending = new Map<string, { readonly bytes: Uint8Array; readonly seq: number }>();
  /** Per renderer, per model URL: the sequence its generator runs (absent or 0: the shipped weights). */
  readonly #running = new WeakMap<Renderer, Map<string, number>>();
  applied = 0;
  rejected = 0;
  bytesReceived = 0;

  constructor(private readonly options: ModelUpdatesOptions) {}

  /** Judges one message from an update channel. Never throws. */
  receive(data: unknown, nowMs = this.options.now()): void {
    try {
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : null;
      if (bytes === null) throw new ModelUpdateError('bad-type', `an update must be binary, got ${data === null ? 'null' : typeof data}`);
      this.bytesReceived += bytes.length;
      const states = [...this.#states.values()];
      let header: UpdateHeader;
      try {
        header = readUpdateHeader(bytes);
      } catch (error) {
        // A loaded model's gate gives the exact code and charges its rate limits; before any, the header's code.
        const any = states[0];
        if (any === undefined) throw error;
        this.#offer(any, bytes, nowMs);
        return;
      }
      const { variant, scale, digest } = header;
      const candidates = states.filter((s) => s.base.variant === variant && s.base.config.scale === scale);
      const state = candidates.find((s) => s.base.digest.every((b, i) => b === digest[i])) ?? candidates[0];
      if (state !== undefined) {
        this.#offer(state, bytes, nowMs);
        return;
      }
      this.#hold(header, bytes);
    } catch (error) {
      this.#reject(error);
    }
  }

  /** A model finished loading on some renderer: build its base (once per model) and judge what waited for it. */
  modelLoaded(model: ModelRef): void {
    if (this.#bases.has(model.url)) return;
    const { loadBase, signal, gate } = this.options;
    const load = loadBase(model, signal).then(
      (base) => {
        if (base === null || signal.aborted) return;
        const state: ModelState = { model, base, gate: new ModelUpdateGate(base, gate), newest: null, announced: 0 };
        this.#states.set(model.url, state);
        const held = this.#pending.get(base.variant);
        if (held === undefined) return;
        this.#pending.delete(base.variant);
        try {
          this.#offer(state, held.bytes, this.options.now());
        } catch (error) {
          this.#reject(error);
        }
      },
      (error: unknown) => {
        // Forgotten, so that the next load of the model tries again.
        this.#bases.delete(model.url);
        if (!signal.aborted) this.options.post({ type: 'error', error: { name: 'Error', code: 'model-update-base', message: `no update base for ${model.name}: ${String(error)}` }, fatal: false });
      },
    );
    this.#bases.set(model.url, load);
  }

  /** Resolves when every base load started so far has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#bases.values()]);
  }

  /** Between frames: puts each model `renderer` has loaded on the weights it should run. */
  sync(renderer: Renderer): void {
    const running = this.#runningOn(renderer);
    for (const state of this.#states.values()) {
      const { model, newest } = state;
      const want = newest?.seq ?? 0;
      if ((running.get(model.url) ?? 0) === want || !renderer.has(model)) continue;
      try {
        renderer.useWeights(model, newest === null ? null : { base: state.base, values: newest.values, seq: newest.seq });
      } catch (error) {
        this.#revert(renderer, state, `the adapted weights could not be built: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      running.set(model.url, want);
      if (newest === null || state.announced === newest.seq) continue;
      state.announced = newest.seq;
      this.applied++;
      this.options.post({ type: 'modelupdate', model: model.name, variant: state.base.variant, scale: model.scale, generation: newest.seq, bytes: newest.bytes });
    }
  }

  counts(): { updatesApplied: number; updatesRejected: number; updateBytesReceived: number } {
    return { updatesApplied: this.applied, updatesRejected: this.rejected, updateBytesReceived: this.bytesReceived };
  }

  /** The sequence number `model` runs on `renderer` (0: its shipped weights). */
  generation(renderer: Renderer, model: ModelRef): number {
    return this.#running.get(renderer)?.get(model.url) ?? 0;
  }

  /**
   * A render of `model` failed: if it ran adapted weights, they are blamed and reverted (true); otherwise
   * the failure is the renderer's (false).
   */
  renderFailed(renderer: Renderer, model: ModelRef, error: unknown): boolean {
    const state = this.#states.get(model.url);
    if (state === undefined || this.generation(renderer, model) === 0) return false;
    this.#revert(renderer, state, `a frame with the adapted weights failed: ${error instanceof Error ? error.message : String(error)}`);
    return true;
  }

  #offer(state: ModelState, bytes: Uint8Array, nowMs: number): void {
    const verdict = state.gate.offer(bytes, nowMs);
    if (!verdict.apply) throw verdict.error;
    const { newest } = state;
    // An accepted update no frame applied yet is displaced: counted as refused, so every message is accounted for once.
    if (newest !== null && state.announced !== newest.seq) this.#reject(new ModelUpdateError('stale-sequence', `sequence ${newest.seq} was superseded by ${verdict.update.seq} before a frame applied it`));
    state.newest = { seq: verdict.update.seq, values: verdict.update.values, bytes: bytes.length };
  }

  /**
   * Keeps the newest message for a variant whose model is not loaded (yet), if its layout fits that
   * variant's shapes (size, header, CRC, scale): what waits is then refused later only for a digest or
   * weights the loaded base disagrees with, and a corrupt newer message is refused now instead of
   * displacing it.
   */
  #hold({ variant, seq }: UpdateHeader, bytes: Uint8Array): void {
    const shape = variantUpdateShape(variant);
    if (shape === null) throw new ModelUpdateError('wrong-variant', `update for '${variant}', which is no model this receiver knows`);
    checkUpdateLayout(bytes, shape);
    const held = this.#pending.get(variant);
    if (held !== undefined && held.seq >= seq) throw new ModelUpdateError('stale-sequence', `sequence ${seq} is not after ${held.seq}, already waiting for ${variant} to load`);
    // The one it displaces was never judged: counted as refused, so every message is accounted for once.
    if (held !== undefined) this.#reject(new ModelUpdateError('stale-sequence', `sequence ${held.seq} for ${variant} was superseded by ${seq} before its model loaded`));
    this.#pending.set(variant, { bytes, seq });
  }

  #revert(renderer: Renderer, state: ModelState, reason: string): void {
    state.newest = null;
    state.gate.resetToBase();
    try {
      // The shipped generator is still loaded: going back to it allocates nothing.
      renderer.useWeights(state.model, null);
    } catch {
      // Going back builds nothing; a renderer that still fails is the renderer's fault, and its next frame steps the ladder.
    }
    this.#runningOn(renderer).set(state.model.url, 0);
    this.options.post({ type: 'modelrevert', model: state.model.name, reason });
  }

  #reject(error: unknown): void {
    this.rejected++;
    const e = error instanceof ModelUpdateError ? error : new ModelUpdateError('bad-payload', `unexpected failure: ${String(error)}`);
    this.options.post({ type: 'update-rejected', reason: e.code, detail: e.message });
  }

  #runningOn(renderer: Renderer): Map<string, number> {
    let m = this.#running.get(renderer);
    if (m === undefined) {
      m = new Map();
      this.#running.set(renderer, m);
    }
    return m;
  }
}
