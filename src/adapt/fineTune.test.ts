import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGenerator } from '../model/createGenerator.js';
import { loadGeneratorWeights } from '../model/loadGenerator.js';
import { maxAbsDiff } from '../model/testSupport.js';
import { FineTuner, trainLastUnits } from './fineTune.js';
import { decodeModelUpdate, encodeModelUpdate } from './modelUpdate.js';
import { TINY_DIR } from './testSupport.js';
import { buildTrainingPairs, type RgbFrame } from './trainingPairs.js';
import { updateBaseFromWeights, valuesToWeights } from './updateBase.js';

/** A synthetic "call frame": soft gradients, hard diagonal edges and fine stripes the x4 model cannot guess. */
function frame(width: number, height: number): RgbFrame {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const edge = (x + 2 * y) % 37 < 18 ? 0.8 : 0.2;
      const stripes = 0.5 + 0.4 * Math.sin(x * 0.9) * Math.cos(y * 0.35);
      const i = (y * width + x) * 3;
      data[i] = 0.6 * edge + 0.4 * (x / width);
      data[i + 1] = 0.5 * stripes + 0.5 * edge;
      data[i + 2] = 0.3 + 0.4 * (y / height) * stripes;
    }
  }
  return { width, height, data };
}

const PAIRS = { scale: 4, sendWidth: 32, sendHeight: 24, crop: 12, count: 4 } as const;

describe('FineTuner (wasm backend)', () => {
  beforeAll(async () => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('lowers the loss, stays finite and deterministic, frees every tensor, and ships through an update', async () => {
    const { meta, weights } = await loadGeneratorWeights(TINY_DIR);
    const base = await updateBaseFromWeights('tiny', meta.config, weights);
    const cam = frame(128, 96);
    const held = buildTrainingPairs(cam, { ...PAIRS, count: 8, seed: 1000 });
    const before = tf.memory().numTensors;
    const run = async (): Promise<{ losses: number[]; held: [number, number]; values: Float32Array[]; out: tf.Tensor4D }> => {
      const tuner = await FineTuner.create(meta.config, weights, { learningRate: 2e-3 });
      const heldBefore = await tuner.evaluate(held);
      const losses: number[] = [];
      for (let s = 0; s < 12; s++) losses.push(await tuner.step(buildTrainingPairs(cam, { ...PAIRS, seed: s })));
      const heldAfter = await tuner.evaluate(held);
      const values = await tuner.values();
      const x = tf.tensor4d(held.lr.subarray(0, 12 * 12 * 3), [1, 12, 12, 3]);
      const out = tuner.predict(x);
      x.dispose();
      expect(tuner.steps).toBe(12);
      tuner.dispose();
      return { losses, held: [heldBefore, heldAfter], values, out };
    };
    const a = await run();
    const b = await run();
    expect(tf.memory().numTensors - before).toBe(2);
    expect(a.held[1]).toBeLessThan(a.held[0] * 0.97);
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(a.values).toEqual(b.values);
    let changed = 0;
    a.values.forEach((v, t) => v.forEach((x, i) => {
      expect(Number.isFinite(x)).toBe(true);
      if (x !== base.values[t]?.[i]) changed++;
    }));
    expect(changed).toBeGreaterThan(base.count * 0.9);

    // The adapted weights as a receiver gets them: fp16 deltas, decoded, loaded into a Generator.
    const decoded = decodeModelUpdate(encodeModelUpdate(base, a.values, 1), base);
    const gen = createGenerator(meta.config, 'tiny', valuesToWeights(base, decoded.values));
    const x = tf.tensor4d(held.lr.subarray(0, 12 * 12 * 3), [1, 12, 12, 3]);
    const y = gen.predict(x);
    expect(await maxAbsDiff(y, a.out)).toBeLessThan(2e-3);
    // ...and not the base model's output.
    const staticGen = createGenerator(meta.config, 'tiny', valuesToWeights(base, base.values));
    const y0 = staticGen.predict(x);
    expect(await maxAbsDiff(y0, a.out)).toBeGreaterThan(1e-2);
    tf.dispose([x, y, y0, a.out, b.out]);
    gen.dispose();
    staticGen.dispose();
    for (const t of weights.values()) t.dispose();
  });

  it('trains only the weights the trainable filter selects (trainLastUnits: the tail)', async () => {
    const { meta, weights } = await loadGeneratorWeights(TINY_DIR);
    const base = await updateBaseFromWeights('tiny', meta.config, weights);
    const last2 = trainLastUnits(meta.config, 2);
    const names = base.specs.map((s) => s.name);
    // tiny: ..., convblock, final_conv (ESPCN tail: no upsampler units).
    expect(names.filter(last2)).toEqual(names.filter((n) => n.startsWith('convblock.') || n.startsWith('final_conv.')));
    expect(names.filter(trainLastUnits(meta.config, 100))).toEqual(names);
    expect(() => trainLastUnits(meta.config, 0)).toThrow(RangeError);
    await expect(FineTuner.create(meta.config, weights, { trainable: () => false })).rejects.toThrow(RangeError);

    const cam = frame(128, 96);
    const tuner = await FineTuner.create(meta.config, weights, { learningRate: 2e-3, trainable: last2 });
    const held = buildTrainingPairs(cam, { ...PAIRS, count: 8, seed: 1000 });
    const before = await tuner.evaluate(held);
    for (let s = 0; s < 8; s++) await tuner.step(buildTrainingPairs(cam, { ...PAIRS, seed: s }));
    expect(await tuner.evaluate(held)).toBeLessThan(before);
    const values = await tuner.values();
    names.forEach((name, t) => {
      const moved = values[t]?.some((x, i) => x !== base.values[t]?.[i]) ?? false;
      expect([name, moved]).toEqual([name, last2(name)]);
    });
    tuner.dispose();
    for (const t of weights.values()) t.dispose();
  });
});
