/**
 * TF.js WebGPU in Node (Dawn through the `webgpu` package's dawn.node) on every 4x variant, random weights
 * (time does not depend on weight values). Bundled by prepare.ts into one file so that the GPU machine,
 * which has no network and no node_modules, can run it. Prints one JSON object per line.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createGenerator } from '../../src/model/createGenerator.js';
import { foldBatchNorm } from '../../src/model/foldBatchNorm.js';
import { disposeWeights, initGeneratorWeights } from '../../src/model/initGeneratorWeights.js';
import { countMacs, VARIANTS } from '../../src/model/variants.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '480x270,640x360' },
    variants: { type: 'string' },
    iterations: { type: 'string', default: '30' },
    'allow-cpu-adapter': { type: 'boolean', default: false },
    dawn: { type: 'string' },
  },
});

const here = dirname(fileURLToPath(import.meta.url));
// Loading dawn.node directly rather than through the `webgpu` package: the bundle must not need node_modules.
const dawn = createRequire(import.meta.url)(values.dawn ?? join(here, 'dawn.node')) as { create(flags: string[]): GPU; globals: object };
Object.assign(globalThis, dawn.globals);
const gpu = dawn.create([]);
Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });

const print = (o: object): void => console.log(JSON.stringify({ runtime: 'tfjs-webgpu-node', ...o }));
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (adapter === null) {
  print({ status: 'no-adapter', note: 'Dawn found no WebGPU adapter (no Vulkan driver?)' });
  process.exit(0);
}
const info = `${adapter.info.vendor} | ${adapter.info.architecture} | ${adapter.info.description}`;
const cpuAdapter = /swiftshader|llvmpipe|lavapipe|cpu/i.test(info) || adapter.info.vendor === '' || adapter.info.vendor === 'google';
print({ status: 'adapter', adapter: info, cpuAdapter });
if (cpuAdapter && !values['allow-cpu-adapter']) {
  print({ status: 'no-gpu', note: `only a CPU adapter (${info}): no GPU here; rerun with --allow-cpu-adapter to exercise the code path` });
  process.exit(0);
}
// Imported only now: the backend registers itself only if navigator.gpu exists when its module runs (a
// static import is hoisted above the navigator set-up and left TF.js without 'webgpu').
await import('@tensorflow/tfjs-backend-webgpu');
if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js webgpu backend failed to initialise');
await tf.ready();

const sizes = values.sizes.split(',').map((s) => s.split('x').map(Number) as [number, number]);
const names = values.variants?.split(',') ?? [...VARIANTS.values()].filter((v) => v.config.scale === 4).map((v) => v.name);
const iterations = Number(values.iterations);
for (const name of names) {
  const v = VARIANTS.get(name);
  if (v === undefined) throw new RangeError(`unknown variant ${name}`);
  const raw = initGeneratorWeights(v.config, 1, { finalScale: 0.1 });
  const gen = createGenerator(v.config, name, foldBatchNorm(v.config, raw));
  disposeWeights(raw);
  for (const [w, h] of sizes) {
    const x = tf.randomUniform<tf.Rank.R4>([1, h, w, 3]);
    const once = async (): Promise<number> => {
      const t0 = performance.now();
      const y = gen.predict(x);
      const one = tf.slice(y, [0, 0, 0, 0], [1, 1, 1, 1]);
      await one.data();
      one.dispose();
      y.dispose();
      return performance.now() - t0;
    };
    try {
      const warmupMs = await once();
      const samples: number[] = [];
      for (let i = 0; i < iterations; i++) samples.push(await once());
      samples.sort((a, b) => a - b);
      const median = samples[Math.floor(samples.length / 2)] ?? NaN;
      const p95 = samples[Math.min(samples.length - 1, Math.ceil(0.95 * samples.length) - 1)] ?? NaN;
      const macs = countMacs(v.config, w, h);
      print({ status: 'ok', variant: name, size: `${w}x${h}`, dtype: 'fp32', warmupMs, medianMs: median, p95Ms: p95, n: samples.length, gmacs: macs / 1e9, gflops: (2 * macs) / (median / 1000) / 1e9, adapter: info });
    } catch (e) {
      print({ status: 'error', variant: name, size: `${w}x${h}`, note: (e as Error).message.split('\n')[0] });
    }
    x.dispose();
  }
  gen.dispose();
}
