import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psnr, referenceUpscale, screenshotRgb, waitFor } from './fixtures.js';
import { openHarness, type Harness } from './harness.js';

/** Long-running behaviour on SwiftShader WebGPU, on inputs small enough for it: leaks, and the paper model. */

let h: Harness;

beforeAll(async () => {
  h = await openHarness(['tiny', 'lite32x4', 'paper'], { webgpu: true });
});

afterAll(async () => {
  await h?.close();
});

describe('SwiftSRReceiver soak (SwiftShader WebGPU)', () => {
  it('1,000 frames through the tiny model leave tensors and open frames flat', async () => {
    await h.call('start', { width: 16, height: 16, fps: 60, options: { tiers: ['tiny'], adaptive: false, modelBaseUrl: h.modelBaseUrl, statsIntervalMs: 100, outputWidth: 64, outputHeight: 64 } });
    const start = await h.paintedMore(1, 'webgpu');
    const early = await waitFor('100 frames', async () => {
      const s = await h.stats();
      return s !== null && s.framesPainted >= start.framesPainted + 100 ? s : null;
    });
    const late = await waitFor('1,000 frames', async () => {
      const s = await h.stats();
      return s !== null && s.framesPainted >= start.framesPainted + 1000 ? s : null;
    }, 400_000);
    console.log(`1,000 frames: model p50 ${late.modelMsP50} ms, dropped ${late.framesDropped}, tensors ${early.numTensors} -> ${late.numTensors}, open frames ${early.openFrames} -> ${late.openFrames}`);
    expect(late.backend).toBe('webgpu');
    expect(late.numTensors).toBe(early.numTensors);
    // One frame in flight and at most one waiting, whatever the drop count.
    expect(late.openFrames).toBeLessThanOrEqual(2);
    expect(late.readbacks).toBe(0);
    const d = await h.call('dispose');
    expect(d.leaks).toEqual({ numTensors: 0, openFrames: 0 });
  }, 500_000);

  it('runs the paper model (64x16, exact SwiftSRGAN) once on a small input, matching TF.js on the CPU', async () => {
    await h.reload();
    await h.call('start', { width: 32, height: 18, fps: 5, options: { tiers: ['paper'], adaptive: false, modelBaseUrl: h.modelBaseUrl, statsIntervalMs: 200, outputWidth: 128, outputHeight: 72 } });
    const input = await h.sourceFrame();
    const ref = await referenceUpscale(`${h.models.root}/paper`, input);
    // Random paper weights give a narrow but non-constant picture: a match must not be two flat images.
    expect(new Set(ref.data).size).toBeGreaterThan(10);
    const db = psnr(await screenshotRgb(h.page, 128, 72), ref);
    console.log(`paper 32x18 -> 128x72 WebGPU vs CPU: ${db.toFixed(2)} dB`);
    expect(db).toBeGreaterThanOrEqual(40);
    expect((await h.stats())?.tier).toBe('paper');
  }, 400_000);

  it('steps down a tier when the model misses the frame budget (SwiftShader is always too slow for lite32x4)', async () => {
    await h.reload();
    await h.call('start', { width: 32, height: 18, fps: 30, options: { tiers: ['lite32x4', 'tiny'], adaptive: true, modelBaseUrl: h.modelBaseUrl, statsIntervalMs: 200, outputWidth: 128, outputHeight: 72 } });
    // No check of the tier right after attach(): a slow frame (> 3 s of model time) may already have moved
    // it; the tierchange event below says where it started.
    const changes = await waitFor('tierchange', async () => {
      const e = await h.call('events', 'tierchange');
      return e.length > 0 ? e : null;
    }, 300_000);
    expect(changes.map((e) => e.data)).toEqual([{ from: 'lite32x4', to: 'tiny', reason: 'too-slow' }]);
    const s = await h.paintedMore(2, 'webgpu');
    expect(s.tier).toBe('tiny');
    const input = await h.sourceFrame();
    const db = psnr(await screenshotRgb(h.page, 128, 72), await referenceUpscale(`${h.models.root}/tiny`, input));
    expect(db).toBeGreaterThanOrEqual(40);
  }, 400_000);
});
