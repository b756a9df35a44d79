import { FallbackLadder, type Failure } from './FallbackLadder.js';
import type { FrameLike } from './FramePipeline.js';
import type { BackendKind, WorkerToMain } from './protocol.js';
import { BackendUnavailableError, type ModelRenderer } from './renderers.js';
import type { ScaleSelector } from './ScaleSelector.js';

/** What the ladder needs from its WorkerSession. */
export interface RendererLadderHost<F extends FrameLike, S> {
  /** Aborted when the session is disposed: nothing is brought up or announced after it. */
  readonly signal: AbortSignal;
  createModelRenderer(kind: 'webgpu' | 'webgl'): Promise<ModelRenderer<F, S>>;
  /** A rung came up and the models are known: the session renders with `renderer` from its next frame. */
  ready(renderer: ModelRenderer<F, S>, models: ScaleSelector): void;
  post(message: WorkerToMain): void;
  reportError(error: unknown): void;
}

/**
 * The live rung of the FallbackLadder: brings a renderer up (waiting for the model catalogue before it calls
 * the rung ready), replaces it when it fails or its device is lost, and announces every step down with a
 * 'fallback' message. While no renderer is up, the session paints with its plain renderer.
 */
export class RendererLadder<F extends FrameLike, S> {
  readonly #ladder: FallbackLadder;
  #renderer: ModelRenderer<F, S> | null = null;
  #models: Promise<ScaleSelector | Error> = Promise.resolve(new Error('no models'));
  #bringUp: Promise<void> = Promise.resolve();

  constructor(
    start: BackendKind,
    private readonly host: RendererLadderHost<F, S>,
  ) {
    this.#ladder = new FallbackLadder(start);
  }

  /** The rung the ladder stands on (the one being brought up, or up). */
  get rung(): BackendKind {
    return this.#ladder.current;
  }

  /** The renderer that is up; null while one is being brought up, and on the bicubic floor. */
  get renderer(): ModelRenderer<F, S> | null {
    return this.#renderer;
  }

  /** Brings up the first rung; `models` is awaited before any rung is declared ready. */
  start(models: Promise<ScaleSelector | Error>): void {
    this.#models = models;
    this.#bringUp = this.#bringUpLadder();
  }

  /** Resolves when the current bring-up (initial, or after a fallback) has settled. */
  settled(): Promise<void> {
    return this.#bringUp;
  }

  /** `renderer` failed: it is disposed, and the next rung is brought up (unless the floor is reached). */
  fail(renderer: ModelRenderer<F, S>, failure: Failure, error: unknown): void {
    this.#renderer = null;
    renderer.dispose();
    if (this.host.signal.aborted) return;
    if (failure === 'error') this.host.reportError(error);
    if (this.#step(failure, error)) this.#bringUp = this.#bringUp.then(() => this.#bringUpLadder());
  }

  /** Frees the renderer; after the session's abort and settled(), so no bring-up can set a new one. */
  dispose(): void {
    this.#renderer?.dispose();
    this.#renderer = null;
  }

  async #bringUpLadder(): Promise<void> {
    const { signal } = this.host;
    while (!signal.aborted) {
      const kind = this.#ladder.current;
      if (kind === 'bicubic') return;
      let renderer: ModelRenderer<F, S> | null = null;
      try {
        renderer = await this.host.createModelRenderer(kind);
        const models = await this.#models;
        if (models instanceof Error) {
          renderer.dispose();
          if (signal.aborted) return;
          this.host.reportError(models);
          this.#step('model-load-failed', models);
          return;
        }
        if (signal.aborted) {
          renderer.dispose();
          return;
        }
        this.#renderer = renderer;
        this.host.ready(renderer, models);
        const live = renderer;
        void live.lost.then((reason) => {
          if (this.#renderer === live) this.fail(live, 'device-lost', new Error(reason));
        });
        return;
      } catch (error) {
        renderer?.dispose();
        if (signal.aborted) return;
        this.#step(error instanceof BackendUnavailableError ? 'unavailable' : 'error', error);
      }
    }
  }

  /** Moves down the ladder and announces it; false at the floor. */
  #step(failure: Failure, error: unknown): boolean {
    const step = this.#ladder.fail(failure);
    if (step === null) return false;
    const detail = error instanceof Error ? error.message : String(error);
    this.host.post({ type: 'fallback', from: step.from, to: step.to, reason: step.reason, detail });
    return true;
  }
}
