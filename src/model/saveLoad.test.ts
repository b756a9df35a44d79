import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGenerator } from './createGenerator.js';
import { foldBatchNorm } from './foldBatchNorm.js';
import { disposeWeights } from './initGeneratorWeights.js';
import { loadGenerator, loadGeneratorWeights } from './loadGenerator.js';
import { parseSwiftSRMeta } from './manifest.js';
import { saveGenerator } from './saveGenerator.js';
import { maxAbsDiff, randomTestWeights } from './testSupport.js';
import type { Generator } from './types.js';
import { getVariant } from './variants.js';

const config = getVariant('tiny').config;
let root: string;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'swiftsr-model-'));
  server = createServer((req, res) => {
    try {
      res.end(readFileSync(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  baseUrl = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

async function expectSameAsReference(g: Generator, reference: Generator): Promise<void> {
  const x = tf.randomUniform<tf.Rank.R4>([1, 6, 10, 3], 0, 1, 'float32', 2);
  const a = g.predict(x);
  const b = reference.predict(x);
  expect(a.shape).toEqual([1, 24, 40, 3]);
  expect(await maxAbsDiff(a, b)).toBeLessThan(1e-6);
  tf.dispose([x, a, b]);
}

describe('saveGenerator / loadGenerator', () => {
  it('round-trips through a directory, a file: URL, http on loopback and an IOHandler', async () => {
    const weights = randomTestWeights(config, 21);
    const reference = createGenerator(config, 'tiny', foldBatchNorm(config, weights));
    const dir = join(root, 'tiny');
    const meta = await saveGenerator(dir, { variant: 'tiny', config, weights, provenance: { seed: 21 }, metrics: { psnr: { Set5: 30.1 } } });
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json', 'swiftsr.json']);
    expect(meta.bnFolded).toBe(true);
    const onDisk = parseSwiftSRMeta(JSON.parse(readFileSync(join(dir, 'swiftsr.json'), 'utf8')));
    expect(onDisk).toEqual(meta);
    // Folded: 3494 params - 5 BNs x 32 - 19 depthwise biases + 5 x 16 pointwise biases.
    expect(onDisk.shards[0]?.bytes).toBe(4 * 3395);
    const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { format: string; weightsManifest: { paths: string[] }[] };
    expect(modelJson.format).toBe('swiftsr-weights');
    expect(modelJson.weightsManifest[0]?.paths).toEqual(['group1-shard1of1.bin']);

    const sources = [dir, join(dir, 'model.json'), pathToFileURL(dir).href, `${baseUrl}/tiny/`, new URL(`${baseUrl}/tiny/model.json`)];
    for (const source of sources) {
      const g = await loadGenerator(source);
      expect([g.variant, g.config]).toEqual(['tiny', config]);
      await expectSameAsReference(g, reference);
      g.dispose();
    }
    const handler = tf.io.fromMemory({
      modelTopology: {},
      weightSpecs: (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }).weightsManifest[0]?.weights ?? [],
      weightData: new Uint8Array(readFileSync(join(dir, 'group1-shard1of1.bin'))).buffer,
      userDefinedMetadata: { swiftsr: JSON.parse(readFileSync(join(dir, 'swiftsr.json'), 'utf8')) as object },
    });
    const g = await loadGenerator(handler);
    await expectSameAsReference(g, reference);
    g.dispose();
    reference.dispose();
    disposeWeights(weights);
  });

  it('keeps BN when asked, splits shards, overwrites atomically, and folds at load', async () => {
    const weights = randomTestWeights(config, 22);
    const reference = createGenerator(config, 'tiny', foldBatchNorm(config, weights));
    const dir = join(root, 'unfolded');
    await saveGenerator(dir, { variant: 'tiny', config, weights: randomTestWeights(config, 1), fold: false });
    const meta = await saveGenerator(dir, { variant: 'tiny', config, weights, fold: false, shardBytes: 4096 });
    expect(meta.bnFolded).toBe(false);
    expect(meta.shards.map((s) => s.path)).toEqual(['group1-shard1of4.bin', 'group1-shard2of4.bin', 'group1-shard3of4.bin', 'group1-shard4of4.bin']);
    expect(readdirSync(root).filter((n) => n.startsWith('unfolded'))).toEqual(['unfolded']);
    const loaded = await loadGeneratorWeights(dir);
    expect(loaded.weights.has('convblock.bn.running_var')).toBe(true);
    expect(await maxAbsDiff(loaded.weights.get('convblock.bn.running_var') ?? tf.scalar(0), weights.get('convblock.bn.running_var') ?? tf.scalar(1))).toBe(0);
    disposeWeights(loaded.weights);
    const g = await loadGenerator(dir);
    await expectSameAsReference(g, reference);
    g.dispose();
    reference.dispose();
    disposeWeights(weights);
  });

  it('refuses inconsistent inputs with the standard error types', async () => {
    const weights = randomTestWeights(config, 24);
    await expect(saveGenerator(join(root, 'x'), { variant: 'lite32x4', config, weights })).rejects.toThrow(/config differs from variant 'lite32x4'/);
    await expect(saveGenerator(join(root, 'x'), { variant: 'nope', config, weights })).rejects.toBeInstanceOf(RangeError);
    expect(() => createGenerator(config, 'tiny', weights)).toThrow(TypeError);
    const wrong = new Map(weights);
    wrong.set('final_conv.pointwise.bias', tf.zeros([3]));
    await expect(saveGenerator(join(root, 'x'), { variant: 'tiny', config, weights: wrong, fold: false })).rejects.toThrow(/'final_conv.pointwise.bias' has shape \[3\], expected \[48\]/);
    expect(readdirSync(root).filter((n) => n.startsWith('x'))).toEqual([]);
    wrong.get('final_conv.pointwise.bias')?.dispose();
    disposeWeights(weights);
  });

  it('leaks no tensors across load + predict + dispose', async () => {
    const dir = join(root, 'leak');
    const weights = randomTestWeights(config, 23);
    await saveGenerator(dir, { variant: 'tiny', config, weights, fold: false });
    disposeWeights(weights);
    const x = tf.zeros<tf.Rank.R4>([1, 4, 4, 3]);
    const before = tf.memory().numTensors;
    const g = await loadGenerator(dir);
    g.predict(x).dispose();
    g.dispose();
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => g.predict(x)).toThrow(/after dispose/);
    x.dispose();
  });
});
