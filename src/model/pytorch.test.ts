import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGenerator } from './createGenerator.js';
import { foldBatchNorm } from './foldBatchNorm.js';
import { generatorForward } from './generator.js';
import { disposeWeights } from './initGeneratorWeights.js';
import { ModelLoadError } from './ModelLoadError.js';
import { findStateDict, readPth } from './pth/readPth.js';
import { exportTorchStateDict, importTorchStateDict, inferTorchConfig, shufflePermutation, stripModulePrefix } from './pytorchLayout.js';
import { maxAbsDiff, randomTestWeights } from './testSupport.js';
import type { GeneratorConfig } from './types.js';
import { getVariant } from './variants.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/model');

interface FixtureMeta {
  config: GeneratorConfig;
  input: number[];
  output: number[];
  pth: string;
  wrapped: 'state_dict' | 'checkpoint';
  weights?: { bin: string; tensors: { name: string; shape: number[]; offset: number }[] };
}

const readMeta = (name: string): FixtureMeta => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as FixtureMeta;
const f32 = (file: string): Float32Array => {
  const b = readFileSync(join(FIXTURES, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
/** NCHW fixture data as an NHWC tensor. */
const nhwc = (file: string, shape: number[]): tf.Tensor4D =>
  tf.tidy(() => tf.transpose(tf.tensor4d(f32(file), shape as [number, number, number, number]), [0, 2, 3, 1]));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('PyTorch cross-check (fixtures from training/reference/make_fixtures.py)', () => {
  for (const name of ['paper-8x2-x4', 'bilinear-8x2-x4', 'espcn-8x2-x4', 'espcn-nearest-8x1-x2', 'espcn-8x2-x3']) {
    it(`${name}: the imported .pth reproduces the PyTorch output within 1e-4`, async () => {
      const meta = readMeta(name);
      const root = await readPth(new Uint8Array(readFileSync(join(FIXTURES, meta.pth))));
      if (meta.wrapped === 'checkpoint') {
        expect(root instanceof Map && root.get('epoch')).toBe(7);
        expect(root instanceof Map && root.get('optimizer') instanceof Map).toBe(true);
      }
      const sd = findStateDict(root);
      expect(inferTorchConfig(sd, meta.config.skip)).toEqual(meta.config);
      const weights = importTorchStateDict(meta.config, sd);
      const x = nhwc(`${name}.input.bin`, meta.input);
      const want = nhwc(`${name}.output.bin`, meta.output);
      const y = generatorForward(meta.config, weights, x);
      expect(await maxAbsDiff(y, want)).toBeLessThan(1e-4);
      const g = createGenerator(meta.config, name, foldBatchNorm(meta.config, weights));
      const yf = g.predict(x);
      expect(await maxAbsDiff(yf, want)).toBeLessThan(1e-4);
      // The comparison means something: a frame of mid-grey or plain upsampling would be far off.
      expect(await maxAbsDiff(tf.fill(want.shape, 0.5), want)).toBeGreaterThan(0.1);
      tf.dispose([x, want, y, yf]);
      g.dispose();
      disposeWeights(weights);
    });
  }

  it('imports the raw float32 state dict the same way (layouts without the .pth reader)', async () => {
    const meta = readMeta('paper-8x2-x4');
    if (meta.weights === undefined) throw new Error('fixture lacks raw weights');
    const all = f32(meta.weights.bin);
    const sd = new Map(meta.weights.tensors.map((t) => [t.name, { shape: t.shape, data: all.subarray(t.offset / 4, t.offset / 4 + t.shape.reduce((a, b) => a * b, 1)) }]));
    const weights = importTorchStateDict(meta.config, sd);
    const x = nhwc('paper-8x2-x4.input.bin', meta.input);
    const want = nhwc('paper-8x2-x4.output.bin', meta.output);
    const y = generatorForward(meta.config, weights, x);
    expect(await maxAbsDiff(y, want)).toBeLessThan(1e-4);
    tf.dispose([x, want, y]);
    disposeWeights(weights);
  });

  it('documents the pixel-shuffle order: TF channel (i*r+j)*C + c takes PyTorch channel c*r*r + i*r + j', () => {
    expect([...shufflePermutation(8, 2)]).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    expect([...shufflePermutation(4, 2)]).toEqual([0, 1, 2, 3]);
    expect(shufflePermutation(48, 4)[1]).toBe(16);
  });

  it('round-trips a paper-shaped state dict through the PyTorch layout', async () => {
    const config = getVariant('paper').config;
    const weights = randomTestWeights(config, 3);
    const sd = await exportTorchStateDict(config, weights);
    expect(sd.get('upsampler.1.conv.pointwise.weight')?.shape).toEqual([256, 64, 1, 1]);
    expect(sd.get('final_conv.depthwise.weight')?.shape).toEqual([64, 1, 9, 9]);
    const back = importTorchStateDict(config, sd);
    expect([...back.keys()]).toEqual([...weights.keys()]);
    for (const [k, t] of weights) expect([k, await maxAbsDiff(t, back.get(k) ?? t)]).toEqual([k, 0]);
    disposeWeights(weights);
    disposeWeights(back);
  });

  it('drops the nn.DataParallel "module." prefix only when every key has it', () => {
    expect([...stripModulePrefix(new Map([['module.a.weight', 1], ['module.b', 2]])).keys()]).toEqual(['a.weight', 'b']);
    expect([...stripModulePrefix(new Map([['module.a', 1], ['b', 2]])).keys()]).toEqual(['module.a', 'b']);
  });

  it('names missing, extra, misshapen and non-float tensors', () => {
    const meta = readMeta('paper-8x2-x4');
    const config = meta.config;
    const base = async (): Promise<Map<string, { shape: readonly number[]; data: Float32Array | null; dtype?: string }>> =>
      new Map(findStateDict(await readPth(new Uint8Array(readFileSync(join(FIXTURES, meta.pth))))));
    const fails = async (edit: (m: Map<string, { shape: readonly number[]; data: Float32Array | null; dtype?: string }>) => void, code: string): Promise<void> => {
      const sd = await base();
      edit(sd);
      const before = tf.memory().numTensors;
      let error: unknown;
      try {
        importTorchStateDict(config, sd);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as ModelLoadError).code).toBe(code);
      expect(tf.memory().numTensors).toBe(before);
    };
    return Promise.all([
      fails((m) => m.delete('convblock.bn.running_var'), 'missing-tensor'),
      fails((m) => m.set('extra.weight', { shape: [1], data: new Float32Array(1) }), 'extra-tensor'),
      fails((m) => m.set('final_conv.pointwise.bias', { shape: [4], data: new Float32Array(4) }), 'shape-mismatch'),
      fails((m) => m.set('initial.act.weight', { shape: [8], data: null, dtype: 'int64' }), 'dtype-mismatch'),
    ]);
  });
});
