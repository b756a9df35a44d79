import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../model/initGeneratorWeights.js';
import { installGradients } from './gradients.js';

/** Gaussian values (Box-Muller), seeded. */
function rand(shape: number[], seed: number): tf.Tensor {
  const u = seededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())), shape);
}

async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm') {
    // Threads need cross-origin-isolated workers: Node cannot, so the plain SIMD binary is used.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  }
  await tf.setBackend(name);
  await tf.ready();
  await installGradients();
}

type Case = { name: string; x: number[]; f: number[]; depthwise: boolean; pad: 'same' | 'valid'; strides?: number };
const CASES: Case[] = [
  { name: 'pointwise 1x1', x: [2, 6, 5, 4], f: [1, 1, 4, 7], depthwise: false, pad: 'valid' },
  { name: 'conv 3x3 same stride 2', x: [2, 7, 6, 3], f: [3, 3, 3, 5], depthwise: false, pad: 'same', strides: 2 },
  { name: 'depthwise 3x3 same', x: [2, 6, 5, 4], f: [3, 3, 4, 1], depthwise: true, pad: 'same' },
  { name: 'depthwise 9x9 same', x: [2, 12, 10, 3], f: [9, 9, 3, 1], depthwise: true, pad: 'same' },
  { name: 'depthwise 4x4 valid', x: [1, 8, 7, 2], f: [4, 4, 2, 1], depthwise: true, pad: 'valid' },
  { name: 'depthwise 3x3 same stride 2', x: [2, 8, 7, 3], f: [3, 3, 3, 1], depthwise: true, pad: 'same', strides: 2 },
  { name: 'depthwise 3x3 valid stride 2', x: [1, 9, 8, 2], f: [3, 3, 2, 1], depthwise: true, pad: 'valid', strides: 2 },
];

/** Gradients of sum(conv(x, f) * w) for a fixed random w, so that dy is not uniform. */
function grads(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const x = rand(c.x, 1);
    const f = rand(c.f, 2);
    const conv = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      c.depthwise ? tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides ?? 1, c.pad) : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides ?? 1, c.pad);
    const w = rand(conv(x, f).shape, 3);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), w)))([x, f]);
    return g.map((t) => t.dataSync() as Float32Array);
  });
}

function d2sGrad(): Float32Array {
  return tf.tidy(() => {
    const x = rand([2, 3, 4, 12], 4);
    const w = rand([2, 6, 8, 3], 5);
    return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.depthToSpace(a as tf.Tensor4D, 2), w)))(x).dataSync() as Float32Array;
  });
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  expect(max).toBeLessThan(1e-3);
}

describe('wasm gradients match the cpu backend', () => {
  const reference = new Map<string, Float32Array[]>();
  beforeAll(async () => {
    await useBackend('cpu');
    await installGradients({ force: false });
    for (const c of CASES) reference.set(c.name, grads(c));
  });
  afterAll(() => void installGradients({ force: false }));

  it.each(CASES.map((c) => [c.name, c] as const))('op-based %s on cpu equals native backprop', async (_n, c) => {
    await installGradients({ force: true });
    const got = grads(c);
    const ref = reference.get(c.name) ?? [];
    expectClose(got[0] as Float32Array, ref[0] as Float32Array);
    expectClose(got[1] as Float32Array, ref[1] as Float32Array);
    await installGradients({ force: false });
  });

  it('depthToSpace gradient is its adjoint (space-to-depth)', () => {
    const g = d2sGrad();
    const w = rand([2, 6, 8, 3], 5).dataSync();
    // out[n, h*2+i, w*2+j, c] = in[n, h, w, (i*2+j)*3 + c], so d/d in = w at that position.
    expect(g[((0 * 3 + 1) * 4 + 2) * 12 + (1 * 2 + 0) * 3 + 2]).toBeCloseTo(w[((0 * 6 + 3) * 8 + 4) * 3 + 2] ?? NaN, 6);
    expect(g[((1 * 3 + 2) * 4 + 3) * 12 + (1 * 2 + 1) * 3 + 0]).toBeCloseTo(w[((1 * 6 + 5) * 8 + 7) * 3 + 0] ?? NaN, 6);
  });

  it('on the wasm backend every case matches the cpu reference', async () => {
    await useBackend('wasm');
    for (const c of CASES) {
      if (c.depthwise || c.strides === undefined) {
        const got = grads(c);
        const ref = reference.get(c.name) ?? [];
        expectClose(got[0] as Float32Array, ref[0] as Float32Array);
        expectClose(got[1] as Float32Array, ref[1] as Float32Array);
      }
    }
    const g = d2sGrad();
    expect(g.length).toBe(2 * 3 * 4 * 12);
    await tf.setBackend('cpu');
  });
});
