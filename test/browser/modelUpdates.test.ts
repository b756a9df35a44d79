import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModelUpdate, encodeModelUpdate } from '../../src/adapt/modelUpdate.js';
import { syntheticBase, tinyValues } from '../../src/adapt/testSupport.js';
import { createUpdateBase, valuesToWeights, type UpdateBase } from '../../src/adapt/updateBase.js';
import { createGenerator } from '../../src/model/createGenerator.js';
import { encodeUpdateInfo } from '../../src/sdk/updateChannel.js';
import { adaptedValues, hostileUpdates } from '../../src/worker/testing/hostileUpdates.js';
import { meanLevel, psnr, referenceUpscale, screenshotRgb, waitFor, type RgbImage } from './fixtures.js';
import { openHarness, type Harness } from './harness.js';
import type { ChannelMessage, StatsView } from './pageApi.js';

/**
 * Model updates on SwiftShader WebGPU: a receiver with attachModelUpdates on a fake channel paints with
 * an update of the shipped tiny model (checked against TF.js on the CPU), then survives a hostile burst.
 * The 10,000-message fuzz is the Node one (src/worker/ModelUpdates.test.ts); small frames keep this short.
 */

const W = 96;
const H = 54;
let h: Harness;
let base: UpdateBase;

beforeAll(async () => {
  h = await openHarness(['tiny'], { webgpu: true });
  base = await createUpdateBase('tiny', (await tinyValues()).values);
});

afterAll(async () => {
  await h?.close();
});

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** The update's weights as the receiver decodes them, run on the CPU (wasm, as referenceUpscale), 8-bit output. */
async function adaptedReference(message: Uint8Array, input: RgbImage): Promise<RgbImage> {
  await referenceUpscale(`${h.models.root}/tiny`, input);
  const g = createGenerator(base.config, base.variant, valuesToWeights(base, decodeModelUpdate(message, base).values));
  try {
    const out = tf.tidy(() => {
      const x = tf.div<tf.Tensor4D>(tf.tensor4d(input.data, [1, input.height, input.width, 3], 'float32'), 255);
      return tf.round(tf.mul(tf.clipByValue(g.predict(x), 0, 1), 255));
    });
    const data = Uint8Array.from(await out.data());
    out.dispose();
    return { width: input.width * 4, height: input.height * 4, data };
  } finally {
    g.dispose();
  }
}

async function statsWith(what: string, ok: (s: StatsView) => boolean): Promise<StatsView> {
  return waitFor(what, async () => {
    const s = await h.stats();
    return s !== null && ok(s) ? s : null;
  }, 300_000);
}

describe('receiver model updates (SwiftShader WebGPU)', () => {
  it('paints with a valid update (matching TF.js on the CPU), survives a hostile burst and device losses, and disposes clean', async () => {
    await h.call('start', { width: W, height: H, fps: 10, options: { tiers: ['tiny'], adaptive: false, modelBaseUrl: h.modelBaseUrl, statsIntervalMs: 200, outputWidth: W * 4, outputHeight: H * 4, webglTileSize: 32 } });
    await h.call('attachUpdates');
    await h.paintedMore(2, 'webgpu');
    const input = await h.sourceFrame();
    const shipped = await referenceUpscale(`${h.models.root}/tiny`, input);
    expect(psnr(await screenshotRgb(h.page, W * 4, H * 4), shipped)).toBeGreaterThanOrEqual(40);

    // Every weight moved by up to ±0.05: a clearly different picture.
    const first = encodeModelUpdate(base, adaptedValues(base, 1, 0.05), 1);
    await h.call('deliverUpdates', [{ kind: 'buffer', base64: b64(first) }, { kind: 'text', text: encodeUpdateInfo({ seq: 1, gainDb: 0.8, variant: 'tiny' }) }]);
    const update = await waitFor('modelupdate', async () => (await h.call('events', 'modelupdate'))[0]);
    expect(update.data).toEqual({ model: 'tiny', scale: 4, generation: 1, bytes: first.length, gainDb: 0.8 });
    await statsWith('generation 1 painting', (s) => s.modelGeneration === 1 && s.backend === 'webgpu');
    await h.paintedMore(1, 'webgpu');
    const adapted1 = await adaptedReference(first, input);
    const painted1 = await screenshotRgb(h.page, W * 4, H * 4);
    const match1 = psnr(painted1, adapted1);
    const changed = psnr(adapted1, shipped);
    console.log(`update 1: painted vs adapted on the CPU ${match1.toFixed(2)} dB; adapted vs shipped ${changed.toFixed(2)} dB`);
    expect(match1).toBeGreaterThanOrEqual(40);
    expect(changed).toBeLessThan(35);

    // A hostile burst, as every kind of channel message: ArrayBuffers, views, Blobs, text, numbers.
    const other = await syntheticBase('tiny-x2', 3);
    const burst: ChannelMessage[] = [...hostileUpdates(base, other, 5, 300)].map((m, i): ChannelMessage => {
      if (m.kind === 'other') return typeof m.value === 'string' ? { kind: 'text', text: m.value } : { kind: 'number' };
      return { kind: (['buffer', 'view', 'blob'] as const)[i % 3] ?? 'buffer', base64: b64(m.bytes) };
    });
    burst.push({ kind: 'text', text: '{"type":"swiftsr-update-info","seq":"x"}' });
    const before = await statsWith('stats', () => true);
    await h.call('deliverUpdates', burst);
    const after = await statsWith('the burst counted', (s) => s.updatesRejected + s.updatesApplied >= before.updatesRejected + before.updatesApplied + 290);
    const frames = await h.paintedMore(3);
    const screen = await screenshotRgb(h.page, W * 4, H * 4);
    console.log(`hostile burst of ${burst.length}: ${after.updatesRejected} refused, ${after.updatesApplied} applied, generation ${frames.modelGeneration}, mean level ${meanLevel(screen).toFixed(1)}`);
    expect(meanLevel(screen)).toBeGreaterThan(40);
    expect(frames.backend).toBe('webgpu');
    // Refusals after the first of each reason arrive as one event per reason when its second ends: wait for
    // them (a fast machine reads the events before those timers fire); no coalescing never gets there.
    const coalesced = async (): Promise<{ code: string; reason: string; count: number }[]> => (await h.call('events', 'error')).map((e) => e.data as { code: string; reason: string; count: number });
    const errors = await waitFor('coalesced refusal events', async () => {
      const es = await coalesced();
      return es.reduce((n, e) => n + e.count, 0) > es.length * 3 ? es : null;
    }, 10_000);
    expect(errors.every((e) => e.code === 'model-update-rejected')).toBe(true);
    // Coalesced: a few events stand for hundreds of refusals.
    expect(errors.length).toBeLessThan(40);
    expect(errors.reduce((n, e) => n + e.count, 0)).toBeGreaterThan(errors.length * 3);
    expect(await h.call('events', 'fallback')).toEqual([]);

    // A valid update a moment later still applies (the gate's rate window has passed), and paints right.
    await new Promise((r) => setTimeout(r, 1500));
    const last = encodeModelUpdate(base, adaptedValues(base, 2, 0.05), 100_000);
    await h.call('deliverUpdates', [{ kind: 'buffer', base64: b64(last) }]);
    await statsWith('generation 100000 painting', (s) => s.modelGeneration === 100_000);
    await h.paintedMore(1, 'webgpu');
    const painted2 = await screenshotRgb(h.page, W * 4, H * 4);
    const match2 = psnr(painted2, await adaptedReference(last, input));
    const moved = psnr(painted2, painted1);
    console.log(`update 100000 after the burst: painted vs CPU ${match2.toFixed(2)} dB; vs update 1's picture ${moved.toFixed(2)} dB`);
    expect(match2).toBeGreaterThanOrEqual(40);
    expect(moved).toBeLessThan(35);

    // A new GPU device (device loss) loads the shipped model again: the newest update is applied to it too.
    await h.call('loseGpu');
    await waitFor('fallback to a new device', async () => (await h.call('events', 'fallback')).length === 1);
    await statsWith('generation 100000 on the new device', (s) => s.modelGeneration === 100_000 && s.backend === 'webgpu');
    await h.paintedMore(1, 'webgpu');
    const match3 = psnr(await screenshotRgb(h.page, W * 4, H * 4), await adaptedReference(last, input));
    console.log(`after a device loss: painted vs CPU ${match3.toFixed(2)} dB`);
    expect(match3).toBeGreaterThanOrEqual(40);
    // A second loss: the WebGL rung (another TF.js backend) builds the adapted generator for itself.
    await h.call('loseGpu');
    await statsWith('generation 100000 on WebGL', (s) => s.modelGeneration === 100_000 && s.backend === 'webgl');
    await h.paintedMore(1, 'webgl');
    const match4 = psnr(await screenshotRgb(h.page, W * 4, H * 4), await adaptedReference(last, input));
    console.log(`on the WebGL rung: painted vs CPU ${match4.toFixed(2)} dB`);
    expect(match4).toBeGreaterThanOrEqual(40);
    expect(await h.call('events', 'modelupdate')).toHaveLength(2);

    const d = await h.call('dispose');
    expect(d.leaks).toEqual({ numTensors: 0, openFrames: 0 });
  }, 300_000);
});
