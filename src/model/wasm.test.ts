import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGenerator } from './createGenerator.js';
import { foldBatchNorm } from './foldBatchNorm.js';
import { generatorForward } from './generator.js';
import { disposeWeights } from './initGeneratorWeights.js';
import { randomTestWeights } from './testSupport.js';
import type { GeneratorConfig } from './types.js';
import { getVariant } from './variants.js';

const CONFIGS: [string, GeneratorConfig][] = [
  ['tiny', getVariant('tiny').config],
  ['paper tail, nearest skip', { scale: 4, channels: 8, blocks: 1, skip: 'nearest', tail: 'paper' }],
  ['paper 2x, no skip', { scale: 2, channels: 8, blocks: 1, skip: 'none', tail: 'paper' }],
];

/** Runs `f` on a backend with fresh weights made from the same seed, returning the output values. */
async function run(backend: string, config: GeneratorConfig, folded: boolean): Promise<Float32Array> {
  await tf.setBackend(backend);
  const w = randomTestWeights(config, 17);
  const x = tf.randomUniform<tf.Rank.R4>([1, 7, 9, 3], 0, 1, 'float32', 5);
  let y: tf.Tensor4D;
  if (folded) {
    const g = createGenerator(config, 'test', foldBatchNorm(config, w));
    y = g.predict(x);
    g.dispose();
  } else {
    y = generatorForward(config, w, x);
  }
  const data = await y.data<'float32'>();
  tf.dispose([x, y]);
  disposeWeights(w);
  return Float32Array.from(data);
}

describe('generator on @tensorflow/tfjs-backend-wasm (Node, single-threaded)', () => {
  it('matches the CPU backend within 1e-4, training form and folded form', async () => {
    // Threads need cross-origin-isolated workers: Node cannot, so the plain SIMD binary is used.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(`${dist}/`);
    for (const [name, config] of CONFIGS) {
      for (const folded of [false, true]) {
        const cpu = await run('cpu', config, folded);
        const wasm = await run('wasm', config, folded);
        expect(tf.getBackend()).toBe('wasm');
        expect(wasm.length).toBe(cpu.length);
        let max = 0;
        for (let i = 0; i < cpu.length; i++) max = Math.max(max, Math.abs((cpu[i] ?? 0) - (wasm[i] ?? 0)));
        expect([name, folded, max < 1e-4]).toEqual([name, folded, true]);
        expect(new Set(wasm).size).toBeGreaterThan(100);
      }
    }
  });
});
