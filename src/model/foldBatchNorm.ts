import * as tf from '@tensorflow/tfjs-core';
import { BN_EPS } from './generator.js';
import type { GeneratorConfig, GeneratorWeights } from './types.js';
import { architecturePlan, planUnits } from './weightSpec.js';

/**
 * The inference form: every BatchNorm folded into the pointwise conv before it, and every depthwise bias
 * folded into the pointwise bias after it (a per-channel constant passes through a 1x1 conv as W^T b), so
 * each unit is a bias-free depthwise conv plus one fused conv+bias(+PReLU) kernel. Exact in real arithmetic;
 * the float32 difference is ~1e-6. Returns new tensors (the input Map is left untouched, the caller disposes
 * both independently).
 */
export function foldBatchNorm(config: GeneratorConfig, weights: GeneratorWeights): GeneratorWeights {
  const get = (name: string): tf.Tensor => {
    const t = weights.get(name);
    if (t === undefined) throw new Error(`generator weights lack '${name}'`);
    return t;
  };
  const folded: GeneratorWeights = new Map();
  tf.tidy(() => {
    for (const u of planUnits(architecturePlan(config))) {
      const w2d = tf.reshape(get(`${u.conv}.pointwise.weight`), [u.inChannels, u.outChannels]);
      let bias: tf.Tensor1D = (weights.get(`${u.conv}.pointwise.bias`) as tf.Tensor1D | undefined) ?? tf.zeros([u.outChannels]);
      const dwBias = weights.get(`${u.conv}.depthwise.bias`);
      if (dwBias !== undefined) bias = tf.add(bias, tf.reshape(tf.matMul(tf.reshape(dwBias, [1, u.inChannels]), w2d), [u.outChannels]));
      let w = w2d;
      if (u.bn !== null && weights.has(`${u.bn}.weight`)) {
        const scale = tf.div(get(`${u.bn}.weight`), tf.sqrt(tf.add(get(`${u.bn}.running_var`), BN_EPS)));
        w = tf.mul(w2d, scale);
        bias = tf.add(tf.mul(tf.sub(bias, get(`${u.bn}.running_mean`)), scale), get(`${u.bn}.bias`));
      }
      folded.set(`${u.conv}.depthwise.weight`, tf.keep(tf.clone(get(`${u.conv}.depthwise.weight`))));
      folded.set(`${u.conv}.pointwise.weight`, tf.keep(tf.reshape(w, [1, 1, u.inChannels, u.outChannels])));
      folded.set(`${u.conv}.pointwise.bias`, tf.keep(bias));
      if (u.prelu !== null) folded.set(u.prelu, tf.keep(tf.clone(get(u.prelu))));
    }
  });
  return folded;
}
