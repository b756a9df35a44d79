import * as tf from '@tensorflow/tfjs-core';
import { initGeneratorWeights, seededRandom } from './initGeneratorWeights.js';
import type { GeneratorConfig, GeneratorWeights } from './types.js';

/**
 * Test weights where folding and layouts matter: PyTorch init for the convs, then non-trivial BN statistics,
 * affine parameters, PReLU slopes and biases (the default init makes BN an identity, which proves nothing).
 */
export function randomTestWeights(config: GeneratorConfig, seed: number): GeneratorWeights {
  const weights = initGeneratorWeights(config, seed);
  const rand = seededRandom(seed ^ 0x5eed);
  const fill = (name: string, lo: number, hi: number): void => {
    const old = weights.get(name);
    if (old === undefined) return;
    const data = Float32Array.from({ length: old.size }, () => lo + (hi - lo) * rand());
    weights.set(name, tf.tensor(data, old.shape, 'float32'));
    old.dispose();
  };
  for (const name of [...weights.keys()]) {
    if (name.endsWith('.running_mean')) fill(name, -0.5, 0.5);
    else if (name.endsWith('.running_var')) fill(name, 0.3, 1.7);
    else if (name.endsWith('.bn.weight')) fill(name, 0.5, 1.5);
    else if (name.endsWith('.bn.bias')) fill(name, -0.3, 0.3);
    else if (name.endsWith('.act.weight')) fill(name, -0.1, 0.5);
  }
  return weights;
}

export async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shapes differ: [${a.shape.join()}] vs [${b.shape.join()}]`);
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0] ?? Number.NaN;
  d.dispose();
  return v;
}
