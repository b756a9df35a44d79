import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../data/dataset.js';
import { Adam, ADAM_DEFAULTS } from './adam.js';
import { bceWithLogits, discriminatorForward, initDiscriminator, tvLoss, type DiscriminatorConfig } from './discriminator.js';
import { batchTensors, type GeneratorState } from './GeneratorState.js';
import { MobileNetFeatures } from './perceptual.js';
import type { TrainOptions } from './options.js';
import type { Phase, StepResult } from './phases.js';
import { restoreAdam } from './stateIO.js';

/**
 * Phase 2 (the paper's GAN fine-tuning): per step one discriminator update on real HR vs detached SR,
 * then one generator update on MSE + adv * BCE(D(SR), real) + perc * MobileNetV2 feature MSE + tv * TV.
 */
export async function ganPhase(g: GeneratorState, opts: TrainOptions): Promise<Phase> {
  const dConfig: DiscriminatorConfig = { width: opts.dWidth };
  const perceptual = await MobileNetFeatures.load(opts.mobilenet, opts.featureLayers);
  const dVars = new Map<string, tf.Variable>();
  for (const [k, t] of initDiscriminator(dConfig, opts.seed + 1000)) {
    dVars.set(k, tf.variable(t, true));
  }
  const dAdam = new Adam({ ...ADAM_DEFAULTS, beta1: 0.9 });

  const step = (batch: Batch, lr: number): StepResult => {
    const t = batchTensors(batch);
    try {
      const sr0 = tf.tidy(() => g.forward(t.lr, true));
      const d = tf.variableGrads(() => tf.add<tf.Scalar>(bceWithLogits(discriminatorForward(dConfig, dVars, t.hr), 1), bceWithLogits(discriminatorForward(dConfig, dVars, sr0), 0)), [...dVars.values()]);
      sr0.dispose();
      const dGrads = new Map([...dVars].map(([k, v]) => [k, d.grads[v.name] as tf.Tensor]));
      dAdam.apply(dVars, dGrads, opts.dLr * (lr / opts.lr));
      const dLoss = d.value.dataSync()[0] ?? NaN;
      d.value.dispose();
      tf.dispose([...dGrads.values()]);

      const targets = tf.tidy(() => perceptual.features(t.hr));
      const parts = { mse: 0, adv: 0, perc: 0, tv: 0 };
      const parted: tf.Scalar[] = [];
      const r = g.gradients(t.lr, (sr) => {
        const mse = tf.mean<tf.Scalar>(tf.squaredDifference(sr, t.hr));
        const adv = bceWithLogits(discriminatorForward(dConfig, dVars, sr), 1);
        const perc = perceptual.loss(sr, targets);
        const tv = tvLoss(sr);
        parted.push(...[mse, adv, perc, tv].map((x) => tf.keep(tf.clone(x))));
        return tf.addN<tf.Scalar>([mse, tf.mul<tf.Scalar>(adv, opts.advWeight), tf.mul<tf.Scalar>(perc, opts.percWeight), tf.mul<tf.Scalar>(tv, opts.tvWeight)]);
      });
      tf.dispose(targets);
      g.setBuffers(r.stats);
      g.applyGradients(r.grads, lr);
      tf.dispose([...r.grads.values()]);
      const [mse, adv, perc, tv] = parted.map((x) => x.dataSync()[0] ?? NaN);
      tf.dispose(parted);
      Object.assign(parts, { mse, adv, perc, tv });
      return { loss: r.loss, parts: { ...parts, dLoss } };
    } finally {
      t.lr.dispose();
      t.hr.dispose();
    }
  };

  return {
    step,
    extraTensors: () => {
      const m = new Map<string, tf.Tensor>();
      for (const [k, v] of dVars) m.set(`d/w/${k}`, v);
      for (const [k, v] of dAdam.m) m.set(`d/m/${k}`, v);
      for (const [k, v] of dAdam.v) m.set(`d/v/${k}`, v);
      return m;
    },
    extraHeader: () => ({ dAdamStep: dAdam.step }),
    restore: (tensors, header) => {
      for (const [k, t] of tensors) {
        if (k.startsWith('d/w/')) dVars.get(k.slice(4))?.assign(t);
      }
      restoreAdam(dAdam, tensors, 'd', (header['dAdamStep'] as number | undefined) ?? 0);
    },
    describe: () => ({
      loss: 'mse + adversarial + perceptual + tv', advWeight: opts.advWeight, percWeight: opts.percWeight, tvWeight: opts.tvWeight,
      perceptual: { network: 'MobileNetV2 alpha 0.35 ImageNet (Keras weights via Teachable Machine export)', layers: [...perceptual.layers], normalisation: 'x * 2 - 1 (Keras [-1, 1])' },
      discriminator: { width: opts.dWidth, head: 'global average pool, dense 1024, dense 1' }, dLr: opts.dLr, init: opts.init,
    }),
    dispose: () => {
      perceptual.dispose();
      for (const v of dVars.values()) v.dispose();
      dAdam.dispose();
    },
  };
}
