import * as tf from '@tensorflow/tfjs-core';
import type { GeneratorConfig, GeneratorWeights } from './types.js';
import { architecturePlan, type SepConvUnit } from './weightSpec.js';

/** PyTorch's BatchNorm2d defaults. */
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

export interface ForwardOptions {
  /**
   * BatchNorm uses the batch's statistics (biased variance, as PyTorch) instead of the running ones, and the
   * fused inference kernels are avoided so every op has a gradient.
   */
  readonly training?: boolean;
  /**
   * Clip skip-mode outputs to [0, 1]. Default: not while training (clipping zeroes the gradient of every
   * pixel outside the range, so the loss could never pull it back), always at inference.
   */
  readonly clip?: boolean;
  /** Running-statistics update rate, PyTorch convention (new = (1 - m) * old + m * batch). */
  readonly bnMomentum?: number;
  /**
   * Training only: receives, for every BN, `<bn>.running_mean` and `<bn>.running_var` updated with this
   * batch (unbiased variance, as PyTorch). The tensors are kept (they survive tf.tidy / variableGrads); the
   * caller owns and must dispose them, typically after swapping them into its weights Map.
   */
  readonly runningStatsOut?: Map<string, tf.Tensor>;
}

function get(weights: GeneratorWeights, name: string): tf.Tensor {
  const t = weights.get(name);
  if (t === undefined) throw new Error(`generator weights lack '${name}'`);
  return t;
}

function batchNorm(x: tf.Tensor4D, w: GeneratorWeights, prefix: string, opts: ForwardOptions): tf.Tensor4D {
  const gamma = get(w, `${prefix}.weight`) as tf.Tensor1D;
  const beta = get(w, `${prefix}.bias`) as tf.Tensor1D;
  if (opts.training !== true) {
    return tf.batchNorm4d(x, get(w, `${prefix}.running_mean`) as tf.Tensor1D, get(w, `${prefix}.running_var`) as tf.Tensor1D, beta, gamma, BN_EPS);
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
  const out = tf.batchNorm4d(x, mean, variance, beta, gamma, BN_EPS);
  if (opts.runningStatsOut !== undefined) {
    const m = opts.bnMomentum ?? BN_MOMENTUM;
    const count = x.shape[0] * x.shape[1] * x.shape[2];
    const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
    const blend = (old: tf.Tensor, batch: tf.Tensor): tf.Tensor => tf.keep(tf.add(tf.mul(old, 1 - m), tf.mul(batch, m)));
    opts.runningStatsOut.set(`${prefix}.running_mean`, blend(get(w, `${prefix}.running_mean`), mean));
    opts.runningStatsOut.set(`${prefix}.running_var`, blend(get(w, `${prefix}.running_var`), unbiased));
  }
  return out;
}

/**
 * depthToSpace (NHWC, input channel (i*r + j)*C + c goes to sub-pixel (i, j), channel c) from reshape and a
 * rank-4 transpose: viewing the channels as [i, (j, c)], a shuffle is swapping the w and i axes. Same result,
 * but it has a gradient (TF.js registers none for DepthToSpace) and on wasm it is ~7x faster than the
 * DepthToSpace kernel (100 vs 730 ms for 270x480x48 -> 1080x1920x3); on the cpu backend it is slower.
 */
export function pixelShuffle(x: tf.Tensor4D, r: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const rows = tf.reshape(x, [n * h, w, r, c / r]);
  return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [n, h * r, w * r, c / (r * r)]);
}

/** The shuffle for this backend: see pixelShuffle for why wasm and training differ. */
function shuffle(x: tf.Tensor4D, r: number, training: boolean): tf.Tensor4D {
  return training || tf.getBackend() === 'wasm' ? pixelShuffle(x, r) : tf.depthToSpace(x, r);
}

/**
 * Depthwise then pointwise conv, then BN / PReLU / pixel shuffle as the unit says. Works on both weight
 * forms: an absent depthwise bias or BN is simply skipped (the folded form has neither), so trainer and
 * runtime share this code.
 */
function sepConv(x: tf.Tensor4D, w: GeneratorWeights, u: SepConvUnit, opts: ForwardOptions): tf.Tensor4D {
  let y = tf.depthwiseConv2d(x, get(w, `${u.conv}.depthwise.weight`) as tf.Tensor4D, 1, 'same');
  const dwBias = w.get(`${u.conv}.depthwise.bias`);
  if (dwBias !== undefined) y = tf.add<tf.Tensor4D>(y, dwBias);
  const filter = get(w, `${u.conv}.pointwise.weight`) as tf.Tensor4D;
  const pwBias = w.get(`${u.conv}.pointwise.bias`);
  const bn = u.bn !== null && w.has(`${u.bn}.weight`) ? u.bn : null;
  const alpha = u.prelu === null ? undefined : get(w, u.prelu);
  if (opts.training !== true && bn === null) {
    // Inference on folded weights: one fused kernel for conv + bias + PReLU on every backend. PReLU commutes
    // with the pixel shuffle when its weights are repeated per sub-pixel (depthToSpace channel (i*r+j)*C + c).
    const slope = alpha !== undefined && u.shuffle > 1 ? tf.tile(alpha, [u.shuffle * u.shuffle]) : alpha;
    y = tf.fused.conv2d({
      x: y, filter, strides: 1, pad: 'valid',
      ...(pwBias === undefined ? {} : { bias: pwBias }),
      ...(slope === undefined ? {} : { activation: 'prelu' as const, preluActivationWeights: slope }),
    });
    return u.shuffle > 1 ? shuffle(y, u.shuffle, false) : y;
  }
  y = tf.conv2d(y, filter, 1, 'valid');
  if (pwBias !== undefined) y = tf.add<tf.Tensor4D>(y, pwBias);
  if (bn !== null) y = batchNorm(y, w, bn, opts);
  if (u.shuffle > 1) y = shuffle(y, u.shuffle, opts.training === true);
  if (alpha !== undefined) y = tf.prelu<tf.Tensor4D>(y, alpha as tf.Tensor4D);
  return y;
}

/**
 * The SwiftSRGAN generator (see README): NHWC RGB in [0, 1] in, NHWC RGB in [0, 1] at `scale` x out.
 * `weights` is either the training form (BN tensors, as initGeneratorWeights / the PyTorch importer give) or
 * the folded form (foldBatchNorm). Pixel shuffles are TF.js depthToSpace, whose channel order differs from
 * PyTorch's PixelShuffle; the importer permutes the pointwise output channels (pytorchLayout.ts).
 */
export function generatorForward(config: GeneratorConfig, weights: GeneratorWeights, x: tf.Tensor4D, opts: ForwardOptions = {}): tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== 3) throw new RangeError(`input must be NHWC with 3 channels, got [${x.shape.join(', ')}]`);
  const plan = architecturePlan(config);
  const training = opts.training === true;
  // Inference frees every intermediate as soon as the next one exists: one tidy around the whole pass would
  // keep ~40 feature maps alive at once (over 2 GB at 480x270 for the paper model, which aborts wasm).
  // Training keeps them: the gradient tape needs them.
  const unit = <T extends tf.Tensor>(f: () => T): T => (training ? f() : tf.tidy(f));
  const replace = (old: tf.Tensor, next: tf.Tensor4D, keep: tf.Tensor): tf.Tensor4D => {
    if (!training && old !== keep) old.dispose();
    return next;
  };
  return tf.tidy(() => {
    const initial = unit(() => sepConv(x, weights, plan.initial, opts));
    let h = initial;
    for (const r of plan.residual) {
      const prev = h;
      h = replace(prev, unit(() => tf.add<tf.Tensor4D>(sepConv(sepConv(prev, weights, r.block1, opts), weights, r.block2, opts), prev)), initial);
    }
    const last = h;
    h = unit(() => tf.add<tf.Tensor4D>(sepConv(last, weights, plan.convblock, opts), initial));
    if (!training) {
      if (last !== initial) last.dispose();
      initial.dispose();
    }
    for (const u of plan.upsampler) {
      const prev = h;
      h = replace(prev, unit(() => sepConv(prev, weights, u, opts)), x);
    }
    const features = h;
    const r = unit(() => sepConv(features, weights, plan.final, opts));
    if (!training) features.dispose();
    // (tanh(r) + 1) / 2 is sigmoid(2r): one op fewer at output resolution, same function.
    if (config.skip === 'none') return tf.sigmoid(tf.mul<tf.Tensor4D>(r, 2));
    const size: [number, number] = [x.shape[1] * config.scale, x.shape[2] * config.scale];
    // halfPixelCenters matches PyTorch's interpolate(align_corners=False) and plain bilinear resampling.
    const up = config.skip === 'bilinear' ? tf.image.resizeBilinear(x, size, false, true) : tf.image.resizeNearestNeighbor(x, size, false, false);
    const out = tf.add<tf.Tensor4D>(up, r);
    return (opts.clip ?? opts.training !== true) ? tf.clipByValue(out, 0, 1) : out;
  });
}
