import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../tf/backend.js';
import { bceWithLogits, discriminatorForward, initDiscriminator, tvLoss } from './discriminator.js';

describe('GAN losses and discriminator', () => {
  beforeAll(async () => {
    await setupBackend('cpu');
  });

  it('BCE with logits and TV match hand-computed values', () => {
    const logits = tf.tensor2d([[0], [2], [-1]]);
    const want1 = (Math.log(2) + Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.exp(1))) / 3;
    const want0 = (Math.log(2) + Math.log(1 + Math.exp(2)) + Math.log(1 + Math.exp(-1))) / 3;
    expect(bceWithLogits(logits, 1).dataSync()[0]).toBeCloseTo(want1, 5);
    expect(bceWithLogits(logits, 0).dataSync()[0]).toBeCloseTo(want0, 5);
    // 1x2x2x1 image [[0, 1], [2, 4]]: dh = [2, 3], dw = [1, 2]; 2 * (13/2 + 5/2) / 1 = 18.
    expect(tvLoss(tf.tensor4d([0, 1, 2, 4], [1, 2, 2, 1])).dataSync()[0]).toBeCloseTo(18, 5);
  });

  it('the discriminator gives one logit per image for any crop size and has gradients for every weight', () => {
    const cfg = { width: 0.125 };
    const w = new Map([...initDiscriminator(cfg, 1)].map(([k, t]) => [k, tf.variable(t)]));
    for (const size of [24, 27]) {
      const x = tf.randomUniform<tf.Rank.R4>([3, size, size, 3], 0, 1, 'float32', 4);
      expect(discriminatorForward(cfg, w, x).shape).toEqual([3, 1]);
    }
    const x = tf.randomUniform<tf.Rank.R4>([2, 16, 16, 3], 0, 1, 'float32', 5);
    const { grads } = tf.variableGrads(() => bceWithLogits(discriminatorForward(cfg, w, x), 1), [...w.values()]);
    expect(Object.keys(grads)).toHaveLength(w.size);
    const norms = Object.values(grads).map((g) => tf.sum(tf.abs(g)).dataSync()[0] ?? 0);
    expect(norms.filter((n) => n > 0).length).toBeGreaterThan(w.size - 2);
  });
});
