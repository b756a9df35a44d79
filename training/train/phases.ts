import type * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../data/dataset.js';
import { pixelLoss, type GeneratorState } from './GeneratorState.js';
import type { TrainOptions } from './options.js';

export interface StepResult {
  readonly loss: number;
  readonly parts?: Readonly<Record<string, number>>;
}

/** What one training phase adds to the shared loop: its step and any state beyond the generator's. */
export interface Phase {
  step(batch: Batch, lr: number): StepResult | Promise<StepResult>;
  /** Extra checkpoint tensors (discriminator...), keys without prefix. */
  extraTensors(): Map<string, tf.Tensor>;
  extraHeader(): Record<string, unknown>;
  restore(tensors: ReadonlyMap<string, tf.Tensor>, header: Record<string, unknown>): void;
  describe(): Record<string, unknown>;
  dispose(): void;
}

export function psnrPhase(g: GeneratorState, opts: TrainOptions): Phase {
  return {
    step: (batch, lr) => ({ loss: g.step(batch, lr, (sr, hr) => pixelLoss(opts.loss, sr, hr)) }),
    extraTensors: () => new Map(),
    extraHeader: () => ({}),
    restore: () => undefined,
    describe: () => ({ loss: opts.loss }),
    dispose: () => undefined,
  };
}
