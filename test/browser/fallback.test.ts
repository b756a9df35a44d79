import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bicubicReference, psnr, referenceUpscale, screenshotRgb, waitFor } from './fixtures.js';
import { openHarness, type Harness } from './harness.js';

/** Chromium without WebGPU (no --enable-unsafe-webgpu): the ladder's first step happens at start-up. */

let h: Harness;

beforeAll(async () => {
  h = await openHarness(['tiny'], { webgpu: false, extraArgs: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
});

afterAll(async () => {
  await h?.close();
});

describe('SwiftSRReceiver without WebGPU', () => {
  it('announces the fallback, upscales on tiled WebGL like TF.js on the CPU, and plain bicubic is exact', async () => {
    const W = 480;
    const H = 270;
    const out = { width: 1920, height: 1080 };
    await h.call('start', {
      width: W, height: H, fps: 10,
      options: { tiers: ['tiny'], adaptive: false, modelBaseUrl: h.modelBaseUrl, statsIntervalMs: 200, outputWidth: out.width, outputHeight: out.height, webglTileSize: 128 },
    });
    const fallbacks = await h.call('events', 'fallback');
    expect(fallbacks.map((e) => e.data)).toEqual([{ from: 'webgpu', to: 'webgl', reason: 'webgpu-unavailable', detail: expect.stringMatching(/WebGPU/) as unknown }]);
    expect(await h.call('state')).toBe('fallback');
    const s = await h.paintedMore(1, 'webgl');
    expect(s.timing).toBe('wall');
    const input = await h.sourceFrame();
    const model = psnr(await screenshotRgb(h.page, out.width, out.height), await referenceUpscale(`${h.models.root}/tiny`, input));
    console.log(`no WebGPU: WebGL (128 px tiles) vs CPU ${model.toFixed(2)} dB`);
    expect(model).toBeGreaterThanOrEqual(40);

    await h.call('setEnabled', false);
    await waitFor('bicubic', async () => (await h.stats())?.backend === 'bicubic');
    await h.paintedMore(2, 'bicubic');
    const plain = psnr(await screenshotRgb(h.page, out.width, out.height), bicubicReference(input, out.width, out.height));
    console.log(`no WebGPU: plain bicubic vs reference ${plain.toFixed(2)} dB`);
    expect(plain).toBeGreaterThanOrEqual(40);
    expect((await h.call('dispose')).leaks).toEqual({ numTensors: 0, openFrames: 0 });
  }, 300_000);

  it('weights that cannot load: ModelLoadError event, fallback to bicubic, attach still resolves with a picture', async () => {
    await h.reload();
    const W = 64;
    const H = 36;
    const out = { width: W * 4, height: H * 4 };
    await h.call('start', { width: W, height: H, fps: 10, options: { tiers: ['tiny'], adaptive: false, modelBaseUrl: `${h.modelBaseUrl}missing/`, outputWidth: out.width, outputHeight: out.height, statsIntervalMs: 200, onModelError: 'bicubic' } });
    const errors = await h.call('events', 'error');
    expect(errors.map((e) => e.data)).toEqual([{ name: 'ModelLoadError', code: 'fetch-failed', message: expect.stringMatching(/HTTP 404/) as unknown }]);
    const fallbacks = (await h.call('events', 'fallback')).map((e) => e.data as { to: string; reason: string });
    expect(fallbacks.map((f) => `${f.to}:${f.reason}`)).toEqual(['webgl:webgpu-unavailable', 'bicubic:model-load-failed']);
    expect(await h.call('state')).toBe('fallback');
    await h.paintedMore(1, 'bicubic');
    const input = await h.sourceFrame();
    expect(psnr(await screenshotRgb(h.page, out.width, out.height), bicubicReference(input, out.width, out.height))).toBeGreaterThanOrEqual(40);
  }, 120_000);
});
