import type { UpdateBase } from '../adapt/updateBase.js';
import type { FrameLike } from './FramePipeline.js';
import type { ModelRef, ModelSourceConfig, TimingSource } from './protocol.js';

/** Raised by a renderer factory when its API is missing (no adapter, no WebGL2): the ladder's 'unavailable'. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  readonly code = 'backend-unavailable';
}

export interface RenderResult<S> {
  /** What the sink presents; the renderer owns it and may reuse it next frame. */
  readonly surface: S;
  /** GPU (or wall) time of the generator for this frame, null when not measured. */
  readonly modelMs: number | null;
}

/** A model update's weights, decoded against `base` (folded, in its spec order). */
export interface AdaptedWeights {
  readonly base: UpdateBase;
  readonly values: readonly Float32Array[];
  readonly seq: number;
}

/** A neural rung of the ladder. One instance per GPU device / context: a lost one is disposed, not revived. */
export interface ModelRenderer<F extends FrameLike, S> {
  readonly kind: 'webgpu' | 'webgl';
  readonly adapter: string;
  readonly timing: TimingSource;
  readonly f16: boolean;
  /** Settles with a reason when the device or context goes away. */
  readonly lost: Promise<string>;
  /** Loads (once; cached) the generator behind `model`. Cancellable. */
  prepare(model: ModelRef, signal: AbortSignal): Promise<void>;
  /** Whether `model` is prepared, i.e. render() can run it now. */
  has(model: ModelRef): boolean;
  /**
   * Paints the prepared `model` with these weights from now on (null: its loaded ones). Only between
   * frames; throws (keeping the current weights) when they cannot be made into a generator here.
   */
  useWeights(model: ModelRef, weights: AdaptedWeights | null): void;
  /** Runs a prepared model on `frame` and paints its output, resampled to fit the output size. */
  render(frame: F, model: ModelRef): Promise<RenderResult<S>>;
  simulateLoss(): void;
  /** Frees every tensor and GPU resource; idempotent. */
  dispose(): void;
}

export type RenderOutcome<S> = { readonly result: RenderResult<S> } | { readonly error: unknown; readonly lost: boolean };

/** Renders, unless the device goes first: a lost context can leave a read pending forever (WebGL fences never signal). */
export async function renderRacingLoss<F extends FrameLike, S>(renderer: ModelRenderer<F, S>, frame: F, model: ModelRef): Promise<RenderOutcome<S>> {
  let lost = false;
  const onLoss = renderer.lost.then((reason) => {
    lost = true;
    throw new Error(reason);
  });
  try {
    return { result: await Promise.race([renderer.render(frame, model), onLoss]) };
  } catch (error) {
    return { error, lost };
  }
}

/** The floor of the ladder, and the A/B "off" view: plain bicubic, no model. */
export interface PlainRenderer<F extends FrameLike, S> {
  render(frame: F): Promise<RenderResult<S>>;
  dispose(): void;
}

export interface FrameSink<S> {
  present(surface: S, timestampUs: number): void;
  dispose(): void;
}

/** Everything the session needs from the browser, so that Node tests can hand it fakes. */
export interface Platform<F extends FrameLike, S> {
  createModelRenderer(kind: 'webgpu' | 'webgl'): Promise<ModelRenderer<F, S>>;
  createPlainRenderer(): PlainRenderer<F, S>;
  /** The models the options allow (models/index.json filtered, or the one `modelUrl`). */
  loadModels(source: ModelSourceConfig, signal: AbortSignal): Promise<readonly ModelRef[]>;
  /** The base a loaded model's updates are deltas against; null when it takes none (see updateBases.ts). */
  loadUpdateBase(model: ModelRef, signal: AbortSignal): Promise<UpdateBase | null>;
  now(): number;
  numTensors(): number;
  readbacks(): number;
  setInterval(fn: () => void, ms: number): () => void;
}
