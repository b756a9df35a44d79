import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGenerator } from '../../src/model/createGenerator.js';
import { foldBatchNorm } from '../../src/model/foldBatchNorm.js';
import { disposeWeights, initGeneratorWeights } from '../../src/model/initGeneratorWeights.js';
import type { GeneratorConfig } from '../../src/model/types.js';
import { generatorToOnnx } from './onnxExport.js';
import { toFoldedArrays } from './exportModel.js';

const CASES: [string, GeneratorConfig][] = [
  ['espcn tail, bilinear skip, x4 (tiny family)', { scale: 4, channels: 8, blocks: 2, skip: 'bilinear', tail: 'espcn' }],
  ['paper tail, bilinear skip, x4 (paper-skip family)', { scale: 4, channels: 8, blocks: 2, skip: 'bilinear', tail: 'paper' }],
  ['paper tail, no skip, x4 (the paper)', { scale: 4, channels: 8, blocks: 1, skip: 'none', tail: 'paper' }],
  ['espcn tail, nearest skip, x2', { scale: 2, channels: 8, blocks: 1, skip: 'nearest', tail: 'espcn' }],
];

describe('generator exported to ONNX, run by onnxruntime-web (wasm, Node)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ort.env.wasm.numThreads = 1;
  });

  it.each(CASES)('matches the TF.js forward pass: %s', async (_, config) => {
    const raw = initGeneratorWeights(config, 5, { finalScale: 0.5 });
    const folded = foldBatchNorm(config, raw);
    disposeWeights(raw);
    const g = createGenerator(config, 'test', folded);
    const [h, w] = [10, 14];
    const x = tf.randomUniform<tf.Rank.R4>([1, h, w, 3], 0, 1, 'float32', 3);
    const want = tf.tidy(() => tf.transpose(g.predict(x), [0, 3, 1, 2]));
    const onnx = generatorToOnnx(config, toFoldedArrays(folded));
    const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
    const input = new ort.Tensor('float32', Float32Array.from(tf.tidy(() => tf.transpose(x, [0, 3, 1, 2])).dataSync()), [1, 3, h, w]);
    const out = (await session.run({ input })).output;
    expect(out?.dims).toEqual([1, 3, h * config.scale, w * config.scale]);
    const got = out?.data as Float32Array;
    const ref = want.dataSync();
    let maxDiff = 0;
    let spread = 0;
    for (let i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((got[i] ?? Number.NaN) - (ref[i] ?? 0)));
      spread = Math.max(spread, Math.abs((ref[i] ?? 0) - (ref[0] ?? 0)));
    }
    // A wrong layout, shuffle order or resize mode moves pixels by 1e-2 or more; float reordering stays near 1e-6.
    expect(maxDiff).toBeLessThan(1e-4);
    expect(spread).toBeGreaterThan(1e-2);
    await session.release();
    for (const t of [x, want]) t.dispose();
    g.dispose();
  });

  it('refuses weights that are not BN-folded', () => {
    const config: GeneratorConfig = { scale: 4, channels: 8, blocks: 1, skip: 'bilinear', tail: 'espcn' };
    const raw = initGeneratorWeights(config, 1);
    expect(() => generatorToOnnx(config, toFoldedArrays(raw))).toThrow(/not BN-folded/);
    disposeWeights(raw);
  });
});
