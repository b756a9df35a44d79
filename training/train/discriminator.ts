import * as tf from '@tensorflow/tfjs-core';
import { seededRandom } from '../../src/model/index.js';

/** The SwiftSRGAN discriminator's feature widths; `width` scales them for cheaper CPU runs. */
export const D_FEATURES = [64, 64, 128, 128, 256, 256, 512, 512] as const;

export interface DiscriminatorConfig {
  readonly width: number;
}

function features(c: DiscriminatorConfig): number[] {
  return D_FEATURES.map((f) => Math.max(8, Math.round(f * c.width)));
}

/**
 * PyTorch-style uniform init (+-1/sqrt(fan_in)). Blocks: separable conv 3x3 (stride 1, 2 alternating),
 * BatchNorm (not on the first), LeakyReLU 0.2, as in the paper; the head is global average pooling,
 * dense 1024, LeakyReLU, dense 1 (the reference's AdaptiveAvgPool(6) needs 96 px crops; this works for any).
 */
export function initDiscriminator(c: DiscriminatorConfig, seed: number): Map<string, tf.Tensor> {
  const rand = seededRandom(seed);
  const w = new Map<string, tf.Tensor>();
  const uniform = (shape: number[], fanIn: number): tf.Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const b = 1 / Math.sqrt(fanIn);
    return tf.tensor(Float32Array.from({ length: n }, () => (2 * rand() - 1) * b), shape);
  };
  let inC = 3;
  features(c).forEach((f, i) => {
    w.set(`b${i}.dw`, uniform([3, 3, inC, 1], 9));
    w.set(`b${i}.pw`, uniform([1, 1, inC, f], inC));
    if (i === 0) w.set(`b${i}.bias`, uniform([f], inC));
    else {
      w.set(`b${i}.gamma`, tf.ones([f]));
      w.set(`b${i}.beta`, tf.zeros([f]));
    }
    inC = f;
  });
  w.set('fc1.w', uniform([inC, 1024], inC));
  w.set('fc1.b', uniform([1024], inC));
  w.set('fc2.w', uniform([1024, 1], 1024));
  w.set('fc2.b', uniform([1], 1024));
  return w;
}

function get(w: ReadonlyMap<string, tf.Tensor>, k: string): tf.Tensor {
  const t = w.get(k);
  if (t === undefined) throw new Error(`discriminator lacks ${k}`);
  return t;
}

/** Every second row and column from the first (stridedSlice has no gradient in TF.js; reshape + slice do). */
function subsample2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const even = h % 2 === 0 && w % 2 === 0 ? x : tf.pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]);
  const [, he, we] = even.shape;
  const r = tf.reshape(even, [n, he / 2, 2, we / 2, 2, c]);
  return tf.reshape<tf.Rank.R4>(tf.slice(r, [0, 0, 0, 0, 0, 0], [n, he / 2, 1, we / 2, 1, c]), [n, he / 2, we / 2, c]);
}

/** Logits [n, 1]. BN always uses batch statistics: the discriminator never runs in inference. */
export function discriminatorForward(c: DiscriminatorConfig, w: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    let h: tf.Tensor4D = x;
    features(c).forEach((_f, i) => {
      h = tf.depthwiseConv2d(h, get(w, `b${i}.dw`) as tf.Tensor4D, 1, 'same');
      // Stride 2 as stride 1 + subsampling: PyTorch's padding-1 windows, and the gradients stay stride 1.
      if (i % 2 === 1) h = subsample2(h);
      h = tf.conv2d(h, get(w, `b${i}.pw`) as tf.Tensor4D, 1, 'valid');
      if (i === 0) h = tf.add<tf.Tensor4D>(h, get(w, `b${i}.bias`));
      else {
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        h = tf.batchNorm4d(h, mean as tf.Tensor1D, variance as tf.Tensor1D, get(w, `b${i}.beta`) as tf.Tensor1D, get(w, `b${i}.gamma`) as tf.Tensor1D, 1e-5);
      }
      h = tf.leakyRelu(h, 0.2);
    });
    const pooled = tf.mean<tf.Tensor2D>(h, [1, 2]);
    const f1 = tf.leakyRelu(tf.add(tf.matMul(pooled, get(w, 'fc1.w') as tf.Tensor2D), get(w, 'fc1.b')), 0.2);
    return tf.add(tf.matMul(f1, get(w, 'fc2.w') as tf.Tensor2D), get(w, 'fc2.b'));
  });
}

/** Binary cross-entropy on logits, mean over the batch (softplus form, numerically stable). */
export function bceWithLogits(logits: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.mean(tf.softplus(target === 1 ? tf.neg(logits) : logits));
}

/** The reference's TV loss: 2 (sum dh^2 / count_h + sum dw^2 / count_w) / batch. */
export function tvLoss(x: tf.Tensor4D): tf.Scalar {
  const [n, h, w, c] = x.shape;
  const dh = tf.sub(tf.slice(x, [0, 1, 0, 0], [n, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [n, h - 1, w, c]));
  const dw = tf.sub(tf.slice(x, [0, 0, 1, 0], [n, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [n, h, w - 1, c]));
  const th = tf.div(tf.sum(tf.square(dh)), c * (h - 1) * w);
  const tw = tf.div(tf.sum(tf.square(dw)), c * h * (w - 1));
  return tf.div(tf.mul(tf.add(th, tw), 2), n);
}
