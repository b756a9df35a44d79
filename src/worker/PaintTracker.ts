import type { BackendKind, ModelRef, ModelScale, WorkerToMain } from './protocol.js';

type TierReason = 'too-slow' | 'headroom';

export interface PaintState {
  readonly backend: BackendKind | null;
  readonly model: ModelRef | null;
  readonly ratio: number;
}

/**
 * What painted the last frame, and the events a change of it makes: `scalechange` when the painting
 * model scale changes (null: bicubic painted), `tierchange` when another model of the same scale takes
 * over. Events describe what reached the screen, so they never name a model that is not painting.
 */
export class PaintTracker {
  #state: PaintState = { backend: null, model: null, ratio: 0 };
  readonly #reasons = new Map<ModelScale, TierReason>();

  get state(): PaintState {
    return this.#state;
  }

  /** The tier controller of `scale` decided to move: the reason goes with the tierchange when it shows. */
  expectTierChange(scale: ModelScale, reason: TierReason): void {
    this.#reasons.set(scale, reason);
  }

  /** Returns the events this paint makes, in order. */
  painted(backend: BackendKind, model: ModelRef | null, ratio: number, inputWidth: number, inputHeight: number): WorkerToMain[] {
    const prev = this.#state.model;
    this.#state = { backend, model, ratio };
    if (prev === model) return [];
    const from = prev?.scale ?? null;
    const to = model?.scale ?? null;
    if (from !== to) return [{ type: 'scalechange', from, to, inputWidth, inputHeight, model: model?.name ?? null }];
    if (prev === null || model === null) return [];
    const reason = this.#reasons.get(model.scale) ?? (model.macsPerOutputMegapixel < prev.macsPerOutputMegapixel ? 'too-slow' : 'headroom');
    this.#reasons.delete(model.scale);
    return [{ type: 'tierchange', from: prev.name, to: model.name, reason }];
  }
}
