import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { countMacs, getVariant, initGeneratorWeights } from '../../src/model/index.js';
import { Rng } from '../data/rng.js';
import { setupBackend, type BackendName } from '../tf/backend.js';
import { ADAM_DEFAULTS } from './adam.js';
import { GeneratorState, pixelLoss } from './GeneratorState.js';
import { ParallelGradients } from './parallel.js';

/** `tsx training/cli.ts bench --variant V [--backend B] [--batch 16] [--patch 96] [--workers N] [--steps 2]`: ms per L1 + Adam step on random data. */
export async function runBench(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: { variant: { type: 'string' }, backend: { type: 'string' }, batch: { type: 'string' }, patch: { type: 'string' }, workers: { type: 'string' }, steps: { type: 'string' } },
    strict: true,
  });
  const variant = v.variant ?? 'tiny';
  const backend = (v.backend ?? 'wasm') as BackendName;
  const batch = Number(v.batch ?? 16);
  const patch = Number(v.patch ?? 96);
  const workers = Number(v.workers ?? 1);
  const steps = Number(v.steps ?? 2);
  await setupBackend(backend);
  const { config } = getVariant(variant);
  const w = initGeneratorWeights(config, 1);
  const g = new GeneratorState(config, w, ADAM_DEFAULTS);
  tf.dispose([...w.values()]);
  const rng = new Rng(1);
  const p = patch / config.scale;
  const b = { n: batch, lrSize: p, hrSize: patch, lr: Float32Array.from({ length: batch * p * p * 3 }, () => rng.next()), hr: Float32Array.from({ length: batch * patch * patch * 3 }, () => rng.next()) };
  const par = workers > 1 ? await ParallelGradients.create(workers - 1, backend, g, 'l1') : null;
  const one = async (): Promise<number> => {
    const t0 = performance.now();
    if (par !== null) await par.step(g, b, 1e-4, 'l1');
    else g.step(b, 1e-4, (sr, hr) => pixelLoss('l1', sr, hr));
    return performance.now() - t0;
  };
  await one();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) times.push(await one());
  await par?.close();
  g.dispose();
  const { loadavg } = await import('node:os');
  process.stdout.write(`${JSON.stringify({
    variant, backend, batch, patch, workers, msPerStep: Math.round(Math.min(...times)), msPerStepMean: Math.round(times.reduce((a, c) => a + c, 0) / times.length),
    gmacPerSampleFwd: Number((countMacs(config, p, p) / 1e9).toFixed(4)), loadAvg1m: Number((loadavg()[0] ?? 0).toFixed(1)), at: new Date().toISOString(),
  })}\n`);
  return 0;
}
