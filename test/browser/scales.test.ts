import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitRect } from '../../src/worker/fitRect.js';
import { separableBicubic } from '../e2e/separableBicubic.js';
import { meanLevel, psnr, referenceUpscale, screenshotRgb, waitFor, type RgbImage } from './fixtures.js';
import { openHarness, type Harness } from './harness.js';
import type { StatsView } from './pageApi.js';

/**
 * Any input size, one receiver, a source that changes size mid-stream (SwiftShader WebGPU, tiny models,
 * small frames). Each phase is scored against the same model on TF.js on the CPU, resampled with the
 * reference of the output pass's filter where the plan resamples. tiny-x2 / tiny-x3 are the shipped
 * weights when models/ has them, seeded random weights of the same architecture otherwise: the test checks
 * the plumbing and the pixels, not the training.
 */

const OUT = { width: 480, height: 272 };
const NAMES = ['tiny', 'tiny-x3', 'tiny-x2'];
let h: Harness;

beforeAll(async () => {
  h = await openHarness(NAMES, { webgpu: true });
});

afterAll(async () => {
  await h?.close();
});

function crop(img: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) data.set(img.data.subarray(((y + row) * img.width + x) * 3, ((y + row) * img.width + x + width) * 3), row * width * 3);
  return { width, height, data };
}

/** Waits for frames of `width`x`height` painted by `model`, then scores the picture against the CPU reference. */
async function phase(width: number, height: number, model: string, scale: number): Promise<{ db: number; stats: StatsView }> {
  await waitFor(`${width}x${height} painted by ${model}`, async () => {
    const s = await h.stats();
    return s !== null && s.inputWidth === width && s.model === model;
  }, 300_000);
  // With the latest-frame policy the frame in flight may be older; the next ones are this size.
  const stats = await h.paintedMore(2, 'webgpu');
  expect(stats).toMatchObject({ inputWidth: width, inputHeight: height, model, modelScale: scale, outputWidth: OUT.width, outputHeight: OUT.height });
  const input = await h.sourceFrame();
  expect([input.width, input.height]).toEqual([width, height]);
  const ref = await referenceUpscale(`${h.models.root}/${model}`, input);
  const r = fitRect(ref.width, ref.height, OUT.width, OUT.height);
  const expected = r.width === ref.width && r.height === ref.height ? ref : separableBicubic(ref, r.width, r.height);
  const shot = crop(await screenshotRgb(h.page, OUT.width, OUT.height), r.x, r.y, r.width, r.height);
  return { db: psnr(shot, expected), stats };
}

describe('SwiftSRReceiver: the model scale follows the input size (SwiftShader WebGPU)', () => {
  it('120x68 -> x4, 160x90 -> x3, 240x136 -> x2, 200x112 -> x3 then a downsample, 107x61 -> x4 then an upsample; never black', async () => {
    await h.call('start', { width: 120, height: 68, fps: 8, options: { models: { names: NAMES }, initialTier: 'tiny', adaptive: false, modelBaseUrl: h.modelBaseUrl, statsIntervalMs: 150, outputWidth: OUT.width, outputHeight: OUT.height } });
    console.log(`models: ${JSON.stringify(h.models.kinds)}`);
    const phases: [number, number, string, number][] = [
      [120, 68, 'tiny', 4],
      [160, 90, 'tiny-x3', 3],
      [240, 136, 'tiny-x2', 2],
      [200, 112, 'tiny-x3', 3],
      [107, 61, 'tiny', 4],
    ];
    const dark: number[] = [];
    for (const [i, [w, hgt, model, scale]] of phases.entries()) {
      if (i > 0) {
        await h.call('resize', w, hgt);
        // Right after the switch (bicubic, or the old model on its last frame): a picture, never black.
        dark.push(meanLevel(await screenshotRgb(h.page, OUT.width, OUT.height)));
      }
      const { db, stats } = await phase(w, hgt, model, scale);
      console.log(`${w}x${hgt} -> ${model} (x${scale}, ratio ${stats.ratio}) vs CPU: ${db.toFixed(2)} dB`);
      expect(db).toBeGreaterThanOrEqual(40);
    }
    for (const level of dark) expect(level).toBeGreaterThan(40);
    const changes = (await h.call('events', 'scalechange')).map((e) => e.data as { from: number | null; to: number | null; inputWidth: number });
    // What painted, in order: bicubic stopgaps (null) may sit between two scales, never a scale out of order.
    expect(changes.map((c) => c.to).filter((t) => t !== null)).toEqual([4, 3, 2, 3, 4]);
    expect(await h.call('events', 'error')).toEqual([]);
    const d = await h.call('dispose');
    expect(d.leaks).toEqual({ numTensors: 0, openFrames: 0 });
  }, 600_000);

  it('the WebGL rung runs the x3 shuffle and an odd size too', async () => {
    await h.reload();
    await h.call('start', { width: 107, height: 61, fps: 8, options: { models: { names: ['tiny-x3'] }, backend: 'webgl', adaptive: false, modelBaseUrl: h.modelBaseUrl, statsIntervalMs: 150, outputWidth: 321, outputHeight: 183, webglTileSize: 48 } });
    const s = await h.paintedMore(2, 'webgl');
    expect(s).toMatchObject({ model: 'tiny-x3', modelScale: 3, ratio: 3 });
    const input = await h.sourceFrame();
    const db = psnr(await screenshotRgb(h.page, 321, 183), await referenceUpscale(`${h.models.root}/tiny-x3`, input));
    console.log(`107x61 -> x3 on tiled WebGL vs CPU: ${db.toFixed(2)} dB`);
    expect(db).toBeGreaterThanOrEqual(40);
    expect((await h.call('dispose')).leaks).toEqual({ numTensors: 0, openFrames: 0 });
  }, 300_000);
});
