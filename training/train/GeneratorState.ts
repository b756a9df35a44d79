import * as tf from '@tensorflow/tfjs-core';
import { generatorForward, isBuffer, type GeneratorConfig, type GeneratorWeights } from '../../src/model/index.js';
import type { Batch } from '../data/dataset.js';
import { Adam, type AdamOptions } from './adam.js';

export type PixelLoss = 'l1' | 'mse';

export function pixelLoss(kind: PixelLoss, sr: tf.Tensor, hr: tf.Tensor): tf.Scalar {
  return kind === 'l1' ? tf.mean(tf.abs(tf.sub(sr, hr))) : tf.mean(tf.squaredDifference(sr, hr));
}

export function batchTensors(b: Batch): { lr: tf.Tensor4D; hr: tf.Tensor4D } {
  return {
    lr: tf.tensor4d(b.lr, [b.n, b.lrSize, b.lrSize, 3]),
    hr: tf.tensor4d(b.hr, [b.n, b.hrSize, b.hrSize, 3]),
  };
}

/**
 * The generator under training: trainable parameters as tf.Variables, BN running statistics as plain
 * tensors swapped after every step, and the optimizer. Loss functions are passed in, so phase 1 (pixel
 * loss) and phase 2 (GAN) share it.
 */
export class GeneratorState {
  readonly vars = new Map<string, tf.Variable>();
  readonly buffers = new Map<string, tf.Tensor>();
  readonly adam: Adam;

  constructor(
    readonly config: GeneratorConfig,
    weights: GeneratorWeights,
    adam: AdamOptions,
  ) {
    for (const [name, t] of weights) {
      if (isBuffer(name)) this.buffers.set(name, t.clone());
      else this.vars.set(name, tf.variable(t.clone(), true, `g/${name}/${GeneratorState.seq++}`));
    }
    this.adam = new Adam(adam);
  }

  private static seq = 0;

  /** Training-form weights (the map holds the live variables: do not dispose). */
  weights(): GeneratorWeights {
    return new Map<string, tf.Tensor>([...this.vars, ...this.buffers]);
  }

  forward(x: tf.Tensor4D, training: boolean, stats?: Map<string, tf.Tensor>): tf.Tensor4D {
    return generatorForward(this.config, this.weights(), x, stats === undefined ? { training } : { training, runningStatsOut: stats });
  }

  /** Computes the loss on `lossFn(sr)` gradients; returns the gradients (caller disposes) and the loss. */
  gradients(lr: tf.Tensor4D, lossFn: (sr: tf.Tensor4D) => tf.Scalar): { loss: number; grads: Map<string, tf.Tensor>; stats: Map<string, tf.Tensor> } {
    const stats = new Map<string, tf.Tensor>();
    const { value, grads } = tf.variableGrads(() => lossFn(this.forward(lr, true, stats)), [...this.vars.values()]);
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of this.vars) {
      const g = grads[v.name];
      if (g !== undefined) byName.set(name, g);
    }
    const loss = value.dataSync()[0] ?? NaN;
    value.dispose();
    return { loss, grads: byName, stats };
  }

  /** Replaces the BN running statistics with the ones a training forward produced. */
  setBuffers(stats: Map<string, tf.Tensor>): void {
    for (const [name, t] of stats) {
      this.buffers.get(name)?.dispose();
      this.buffers.set(name, t);
    }
  }

  applyGradients(grads: Map<string, tf.Tensor>, lr: number): void {
    this.adam.apply(this.vars, grads, lr);
  }

  step(batch: Batch, lr: number, lossFn: (sr: tf.Tensor4D, hr: tf.Tensor4D) => tf.Scalar): number {
    const t = batchTensors(batch);
    try {
      const { loss, grads, stats } = this.gradients(t.lr, (sr) => lossFn(sr, t.hr));
      this.setBuffers(stats);
      this.applyGradients(grads, lr);
      for (const g of grads.values()) g.dispose();
      return loss;
    } finally {
      t.lr.dispose();
      t.hr.dispose();
    }
  }

  dispose(): void {
    for (const t of [...this.vars.values(), ...this.buffers.values()]) t.dispose();
    this.vars.clear();
    this.buffers.clear();
    this.adam.dispose();
  }
}
