import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './gradients.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldBatchNorm } from './foldBatchNorm.js';
import { generatorForward, pixelShuffle } from './generator.js';
import { disposeWeights, initGeneratorWeights } from './initGeneratorWeights.js';
import { maxAbsDiff, randomTestWeights } from './testSupport.js';
import type { GeneratorConfig } from './types.js';
import { getVariant } from './variants.js';
import { isBuffer, weightSpecs } from './weightSpec.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const small = (over: Partial<GeneratorConfig>): GeneratorConfig => ({ scale: 4, channels: 8, blocks: 2, skip: 'none', tail: 'paper', ...over });
const input = (h: number, w: number, seed = 7): tf.Tensor4D => tf.randomUniform<tf.Rank.R4>([1, h, w, 3], 0, 1, 'float32', seed);

describe('generatorForward', () => {
  it('upscales NHWC frames by the scale into [0, 1] for every tail and skip mode', async () => {
    const x = input(5, 7);
    for (const config of [small({}), small({ scale: 2 }), small({ tail: 'espcn' }), small({ skip: 'bilinear' }), small({ skip: 'nearest', tail: 'espcn', scale: 2 }), small({ skip: 'bilinear', tail: 'espcn', scale: 3 })]) {
      const w = randomTestWeights(config, 3);
      const y = generatorForward(config, w, x);
      expect(y.shape).toEqual([1, 5 * config.scale, 7 * config.scale, 3]);
      const v = await y.data();
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThanOrEqual(1);
      expect(new Set(v).size).toBeGreaterThan(50);
      y.dispose();
      disposeWeights(w);
    }
    x.dispose();
  });

  it('is the bilinear (half-pixel) or nearest upsampling when the final conv outputs zero', async () => {
    const x = input(4, 6);
    for (const skip of ['bilinear', 'nearest'] as const) {
      const config = small({ skip, tail: 'espcn' });
      const w = initGeneratorWeights(config, 1, { finalScale: 0 });
      const y = generatorForward(config, w, x);
      // 4 -> 16 with half-pixel centres: output row 2 samples input row (2 + 0.5) / 4 - 0.5 = 0.125.
      const want = skip === 'bilinear' ? tf.image.resizeBilinear(x, [16, 24], false, true) : tf.image.resizeNearestNeighbor(x, [16, 24]);
      expect(await maxAbsDiff(y, want)).toBeLessThan(1e-6);
      const px = await tf.slice(x, [0, 0, 0, 0], [1, 2, 1, 1]).data();
      const out = (await y.data())[2 * 24 * 3] ?? Number.NaN;
      expect(out).toBeCloseTo(skip === 'bilinear' ? 0.875 * (px[0] ?? 0) + 0.125 * (px[1] ?? 0) : (px[0] ?? 0), 5);
      tf.dispose([y, want]);
      disposeWeights(w);
    }
    x.dispose();
  });

  it('initialises like PyTorch, deterministically per seed', async () => {
    const config = getVariant('tiny').config;
    const a = initGeneratorWeights(config, 42);
    const b = initGeneratorWeights(config, 42);
    const c = initGeneratorWeights(config, 43);
    expect([...a.keys()]).toEqual(weightSpecs(config, { folded: false }).map((s) => s.name));
    const pw = a.get('residual.0.block1.cnn.pointwise.weight');
    const dw = a.get('initial.cnn.depthwise.weight');
    if (pw === undefined || dw === undefined) throw new Error('missing');
    const pwv = await pw.data();
    expect(Math.max(...pwv.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(Math.max(...pwv.map(Math.abs))).toBeGreaterThan(0.8 / Math.sqrt(16));
    expect(Math.max(...(await dw.data()).map(Math.abs))).toBeLessThanOrEqual(1 / 9);
    expect(await a.get('initial.act.weight')?.data()).toEqual(new Float32Array(16).fill(0.25));
    expect(await a.get('convblock.bn.running_var')?.data()).toEqual(new Float32Array(16).fill(1));
    expect(await maxAbsDiff(pw, b.get('residual.0.block1.cnn.pointwise.weight') ?? pw)).toBe(0);
    expect(await maxAbsDiff(pw, c.get('residual.0.block1.cnn.pointwise.weight') ?? pw)).toBeGreaterThan(0.01);
    [a, b, c].forEach(disposeWeights);
  });

  it('training mode normalises with batch statistics and reports PyTorch-style running stats', async () => {
    const config = small({ skip: 'bilinear', blocks: 1 });
    const w = randomTestWeights(config, 5);
    const x = tf.concat([input(6, 8, 1), input(6, 8, 2)]);
    const stats = new Map<string, tf.Tensor>();
    const train = generatorForward(config, w, x, { training: true, clip: true, bnMomentum: 1, runningStatsOut: stats });
    const infer = generatorForward(config, w, x);
    expect(await maxAbsDiff(train, infer)).toBeGreaterThan(1e-3);
    expect([...stats.keys()].sort()).toEqual(weightSpecs(config, { folded: false }).map((s) => s.name).filter(isBuffer).sort());
    // With momentum 1 the running stats are this batch's; undo the unbiased correction (n = 2*6*8) and
    // inference must reproduce the training output exactly, since every BN then sees the same input.
    const n = 2 * 6 * 8;
    const replay = new Map(w);
    for (const [k, t] of stats) replay.set(k, k.endsWith('running_var') ? tf.mul(t, (n - 1) / n) : t);
    const again = generatorForward(config, replay, x);
    expect(await maxAbsDiff(train, again)).toBeLessThan(1e-5);
    const half = new Map<string, tf.Tensor>();
    generatorForward(config, w, x, { training: true, bnMomentum: 0.5, runningStatsOut: half }).dispose();
    const key = 'convblock.bn.running_mean';
    const expected = tf.div(tf.add(w.get(key) ?? tf.scalar(0), stats.get(key) ?? tf.scalar(0)), 2);
    expect(await maxAbsDiff(half.get(key) ?? expected, expected)).toBeLessThan(1e-6);
    tf.dispose([train, infer, again, x, expected, ...stats.values(), ...half.values(), ...[...replay].filter(([k]) => k.endsWith('running_var')).map(([, t]) => t)]);
    disposeWeights(w);
  });

  it('has finite, non-zero gradients for every trainable tensor in training mode', () => {
    const config = small({ skip: 'bilinear', tail: 'espcn', blocks: 1 });
    const init = randomTestWeights(config, 9);
    const vars = new Map([...init].map(([k, t]) => [k, isBuffer(k) ? t : tf.variable(t, true, k)]));
    const x = input(6, 6);
    const target = tf.randomUniform([1, 24, 24, 3], 0, 1, 'float32', 3);
    const { grads, value } = tf.variableGrads(() => tf.mean<tf.Scalar>(tf.abs(tf.sub(generatorForward(config, vars, x, { training: true }), target))));
    const trainable = weightSpecs(config, { folded: false }).filter((s) => !isBuffer(s.name)).map((s) => s.name);
    for (const name of trainable) {
      const g = grads[name];
      if (g === undefined) throw new Error(`no gradient for ${name}`);
      const v = g.dataSync();
      expect([name, v.every(Number.isFinite)]).toEqual([name, true]);
      expect([name, v.some((e) => e !== 0)]).toEqual([name, true]);
    }
    tf.dispose([value, x, target, ...Object.values(grads), ...init.values(), ...vars.values()]);
  });

  it('pixelShuffle (differentiable) equals depthToSpace', async () => {
    const x = tf.randomUniform<tf.Rank.R4>([2, 3, 5, 12], -1, 1, 'float32', 1);
    const a = pixelShuffle(x, 2);
    const b = tf.depthToSpace(x, 2);
    expect(a.shape).toEqual([2, 6, 10, 3]);
    expect(await maxAbsDiff(a, b)).toBe(0);
    tf.dispose([x, a, b]);
  });

  it('frees intermediates at inference: peak memory does not grow with depth', async () => {
    const peak = async (blocks: number): Promise<number> => {
      const config = small({ blocks, tail: 'espcn' });
      const w = foldBatchNorm(config, initGeneratorWeights(config, 1));
      const x = input(32, 32);
      const info = await tf.profile(() => generatorForward(config, w, x));
      tf.dispose([x, ...(Array.isArray(info.result) ? info.result : [info.result])]);
      disposeWeights(w);
      return info.peakBytes;
    };
    const shallow = await peak(1);
    const deep = await peak(12);
    // One tidy around everything would hold 2 x 12 extra 32x32x8 maps (~800 KB); the pass holds ~3.
    expect(deep - shallow).toBeLessThan(32 * 32 * 8 * 4 * 2);
  });

  it('leaves no tensors behind', () => {
    const config = getVariant('tiny').config;
    const w = initGeneratorWeights(config, 1);
    const x = input(4, 4);
    const before = tf.memory().numTensors;
    generatorForward(config, w, x).dispose();
    generatorForward(config, w, x, { training: true }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    disposeWeights(w);
  });
});

describe('foldBatchNorm', () => {
  it('matches the training form at inference within 1e-5 on random inputs', async () => {
    const configs = [small({}), small({ tail: 'espcn', skip: 'bilinear' }), small({ scale: 2, skip: 'nearest' }), getVariant('paper').config];
    for (const config of configs) {
      const w = randomTestWeights(config, 11);
      const f = foldBatchNorm(config, w);
      expect([...f.keys()].sort()).toEqual(weightSpecs(config, { folded: true }).map((s) => s.name).sort());
      const x = input(9, 11, 4);
      const a = generatorForward(config, w, x);
      const b = generatorForward(config, f, x);
      expect(await maxAbsDiff(a, b)).toBeLessThan(1e-5);
      tf.dispose([a, b, x]);
      disposeWeights(w);
      disposeWeights(f);
    }
  });
});
