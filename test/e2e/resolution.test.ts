import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIsolated } from '../../scripts/netns.js';
import { loadGenerator } from '../../src/model/loadGenerator.js';
import { prepareModels, type ModelDir } from '../browser/fixtures.js';
import { E2E_OUT, ensureDemoPages, smoothY4m } from './harness.js';
import { RESOLUTION_RESULT, type Phase, type ResolutionOptions, type ResolutionReport } from './resolutionScenario.js';

/**
 * The encoder changes resolution mid-call (here forced with scaleResolutionDownBy: 270p -> 540p -> 360p
 * of a 960x540 camera) and the receiver keeps painting 1920x1080 with the model of each scale: x4, x2,
 * x3. Real WebRTC between two headless Chromium pages in a network namespace of the test's own.
 *
 * The receiver runs on the WebGL rung: on SwiftShader it runs the tiny models 3-4x faster than WebGPU
 * (bench/README: 7.8 vs 21-31 s per 270p frame), which is what fits three phases at 1080p into a few
 * minutes; WebGPU's passes at these scales are pixel-tested in test/browser/scales.test.ts. tiny-x2 and
 * tiny-x3 are the trained ones when models/ ships them, seeded random weights otherwise (the score compares
 * the receiver with the same weights on the CPU, so it measures the call and the receiver, not training).
 * 40 dB as in call.test.ts: encoding a still at 2.5 Mbit/s is nearly lossless once the encoder settled.
 */
const MIN_PSNR = 40;
const PHASES: Phase[] = [
  { downBy: 2, width: 480, height: 270, model: 'tiny', scale: 4 },
  { downBy: 1, width: 960, height: 540, model: 'tiny-x2', scale: 2 },
  { downBy: 1.5, width: 640, height: 360, model: 'tiny-x3', scale: 3 },
];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let models: ModelDir;
let pagesDir: string;

beforeAll(async () => {
  [pagesDir, models] = await Promise.all([ensureDemoPages(), prepareModels(['tiny', 'tiny-x2', 'tiny-x3'])]);
});

afterAll(() => models?.dispose());

/** Tensors the three loaded generators hold: all a receiver that leaks nothing keeps once the call is over. */
async function weightTensors(): Promise<number> {
  await tf.setBackend('cpu');
  let n = 0;
  for (const name of ['tiny', 'tiny-x2', 'tiny-x3']) {
    const before = tf.memory().numTensors;
    const g = await loadGenerator(join(models.root, name));
    n += tf.memory().numTensors - before;
    g.dispose();
  }
  return n;
}

describe('end-to-end resolution switches', () => {
  it('270p -> 540p -> 360p mid-call: 1080p painted by the x4, x2 and x3 models in turn, matching the CPU; never black; nothing leaked', async () => {
    const options: ResolutionOptions = { pagesDir, modelsDir: models.root, y4m: smoothY4m(960, 540), backend: 'webgl', phases: PHASES, outDir: E2E_OUT };
    const r = await runIsolated<ResolutionReport>(join(ROOT, 'test/e2e/resolutionScenarioMain.ts'), [JSON.stringify(options)], RESOLUTION_RESULT, 560_000, ROOT, (line) => {
      if (line.startsWith('[e2e ')) console.log(line);
    });
    console.log('resolution', r.phases.map((p) => `${p.phase.width}x${p.phase.height} ${p.stats.model} x${p.stats.modelScale}: ${p.psnr.toFixed(2)} dB (mirrored ${p.psnrMirrored.toFixed(2)}), ${p.seconds.toFixed(0)} s, darkest ${Math.min(...p.levels).toFixed(0)}`).join('; '));
    for (const p of r.phases) {
      expect(p.stats).toMatchObject({ inputWidth: p.phase.width, inputHeight: p.phase.height, outputWidth: 1920, outputHeight: 1080, model: p.phase.model, modelScale: p.phase.scale, backend: 'webgl' });
      expect(p.sender).toEqual({ width: p.phase.width, height: p.phase.height });
      expect(p.psnr, `${p.phase.width}x${p.phase.height}`).toBeGreaterThan(MIN_PSNR);
      expect(p.psnrMirrored).toBeLessThan(p.psnr - 8);
      // A black screenshot has mean level ~0; the picture's is ~120.
      for (const level of p.levels) expect(level).toBeGreaterThan(40);
      expect(p.stats.openFrames).toBeLessThanOrEqual(2);
    }
    expect(r.pairs.length).toBeGreaterThan(0);
    for (const pair of r.pairs) expect(pair).toMatchObject({ local: '127.0.0.1', remote: '127.0.0.1' });
    expect(r.after).toEqual({ sdkState: 'idle', openFrames: 0, numTensors: await weightTensors() });
    expect(r.events.filter((e) => e.type === 'error' || e.type === 'fallback')).toEqual([]);
  }, 600_000);
});
