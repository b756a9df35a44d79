import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorConfig, GeneratorWeights } from './types.js';
import { shapeSize, weightSpecs } from './weightSpec.js';

/** mulberry32: tiny, seedable, good enough for weight init; Math.random cannot be seeded. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface InitOptions {
  /**
   * Multiplies the last conv's pointwise weight and bias. 1 (default) is PyTorch's init. With a skip mode a
   * small value (e.g. 0.1) starts the network close to the plain upsampling, which trains faster.
   */
  readonly finalScale?: number;
}

/**
 * PyTorch's default init in TF.js layout: conv weights and biases uniform in +-1/sqrt(fan_in) (what
 * kaiming_uniform_(a=sqrt(5)) reduces to; depthwise fan_in = k*k, pointwise fan_in = C_in), BN gamma 1, beta 0,
 * running mean 0, running var 1, PReLU 0.25. Deterministic for a given seed.
 */
export function initGeneratorWeights(config: GeneratorConfig, seed: number, opts: InitOptions = {}): GeneratorWeights {
  const rand = seededRandom(seed);
  const weights: GeneratorWeights = new Map();
  const finalScale = opts.finalScale ?? 1;
  const specs = weightSpecs(config, { folded: false });
  const shapes = new Map(specs.map((s) => [s.name, s.shape]));
  for (const spec of specs) {
    const size = shapeSize(spec.shape);
    const data = new Float32Array(size);
    const name = spec.name;
    if (name.endsWith('.act.weight')) data.fill(0.25);
    else if (name.endsWith('.running_var')) data.fill(1);
    else if (name.endsWith('.running_mean')) data.fill(0);
    else if (/\.bn\.weight$/.test(name)) data.fill(1);
    else if (/\.bn\.bias$/.test(name)) data.fill(0);
    else {
      const conv = name.slice(0, name.lastIndexOf('.'));
      const weightShape = shapes.get(`${conv}.weight`) ?? spec.shape;
      // Depthwise [k, k, C, 1]: fan_in k*k. Pointwise [1, 1, in, out]: fan_in in.
      const fanIn = conv.endsWith('.depthwise') ? (weightShape[0] ?? 1) * (weightShape[1] ?? 1) : (weightShape[2] ?? 1);
      const bound = (1 / Math.sqrt(fanIn)) * (name.startsWith('final_conv.pointwise') ? finalScale : 1);
      for (let i = 0; i < size; i++) data[i] = (2 * rand() - 1) * bound;
    }
    weights.set(name, tf.tensor(data, [...spec.shape], 'float32'));
  }
  return weights;
}

export function disposeWeights(weights: GeneratorWeights): void {
  for (const t of weights.values()) t.dispose();
  weights.clear();
}
