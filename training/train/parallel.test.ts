import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getVariant, initGeneratorWeights } from '../../src/model/index.js';
import type { Batch } from '../data/dataset.js';
import { Rng } from '../data/rng.js';
import { setupBackend } from '../tf/backend.js';
import { ADAM_DEFAULTS } from './adam.js';
import { batchTensors, GeneratorState, pixelLoss } from './GeneratorState.js';
import { ParallelGradients } from './parallel.js';

/** Two samples, duplicated: each replica's BN batch statistics then equal the full batch's. */
function duplicatedBatch(): Batch {
  const rng = new Rng(5);
  const lr = Float32Array.from({ length: 2 * 6 * 6 * 3 }, () => rng.next());
  const hr = Float32Array.from({ length: 2 * 24 * 24 * 3 }, () => rng.next());
  const cat = (a: Float32Array) => {
    const out = new Float32Array(a.length * 2);
    out.set(a);
    out.set(a, a.length);
    return out;
  };
  return { n: 4, lrSize: 6, hrSize: 24, lr: cat(lr), hr: cat(hr) };
}

describe('data-parallel gradients over worker_threads', () => {
  let p: ParallelGradients;
  const config = getVariant('tiny').config;
  beforeAll(async () => {
    await setupBackend('wasm');
  });
  afterAll(async () => {
    await p.close();
  });

  it('averaged worker + main-thread gradients and BN statistics equal the single-thread ones', async () => {
    const w = initGeneratorWeights(config, 3, { finalScale: 1 });
    const g = new GeneratorState(config, w, ADAM_DEFAULTS);
    tf.dispose([...w.values()]);
    const batch = duplicatedBatch();
    const t = batchTensors(batch);
    const ref = g.gradients(t.lr, (sr) => pixelLoss('l1', sr, t.hr));
    p = await ParallelGradients.create(1, 'wasm', g, 'l1');
    const got = await p.gradients(g, batch, 'l1');
    expect(got.loss).toBeCloseTo(ref.loss, 5);
    expect(got.grads.size).toBe(ref.grads.size);
    expect(got.stats.size).toBeGreaterThan(0);
    for (const [kind, a, b] of [['grad', ref.grads, got.grads], ['stat', ref.stats, got.stats]] as const) {
      for (const [name, r] of a) {
        const x = r.dataSync();
        const y = b.get(name)?.dataSync() ?? new Float32Array(0);
        expect(y.length, `${kind} ${name}`).toBe(x.length);
        const scale = Math.max(1e-6, ...Array.from(x, Math.abs));
        let d = 0;
        for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs((x[i] ?? 0) - (y[i] ?? 0)));
        expect(d / scale, `${kind} ${name}`).toBeLessThan(1e-3);
      }
    }
    tf.dispose([t.lr, t.hr, ...ref.grads.values(), ...ref.stats.values(), ...got.grads.values(), ...got.stats.values()]);
    g.dispose();
  });
});
