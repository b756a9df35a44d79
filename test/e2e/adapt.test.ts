import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeY4m } from '../../scripts/demoMedia.js';
import { runIsolated } from '../../scripts/netns.js';
import { prepareModels, type ModelDir } from '../browser/fixtures.js';
import { ADAPT_RESULT, type AdaptOptions, type AdaptReport } from './adaptScenario.js';
import { E2E_OUT, ensureDemoPages } from './harness.js';

/**
 * Learning the call while it happens (issue 12), end to end: the demo sender page runs SwiftSRSender on
 * its camera (TF.js WebGL on SwiftShader, the tiny model, 16-pixel crops) and streams updates on
 * the `swiftsr-model` data channel, P2P and through the werift SFU; receiver pages attach the channel
 * (receiver.attachModelUpdates) and paint with the update. Real WebRTC between headless Chromium pages in a
 * network namespace of the test's own.
 *
 * The camera is a still 640x360 testsrc2 frame (bars, gradients, text) sent at 160x90 (maintain-resolution),
 * so tiny's 4x paints 640x360: SwiftShader paints that in seconds, where 1080p takes tens. 40 dB (Y) as in
 * call.test.ts: a still at 2.5 Mbit/s is nearly lossless once the encoder settled, so the painted frame must
 * match the adapted model run on the CPU over the frame the receiver got, with the weights decoded from the
 * bytes it received. The base model's output on that frame is the control: the painted frame must be
 * closer to the adapted output than to it, and the update must have moved the picture by more than that
 * margin (sharp edges make the update's change visible; on a smooth picture it stays near VP8's own noise).
 * A second receiver joins after the sender paused at its last generation: it must get that update from
 * the transport alone (P2P: the sender's channel sends the newest when it opens; SFU: the SFU replays it).
 */
const MIN_PSNR_Y = 40;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let models: ModelDir;
let pagesDir: string;
let y4m: string;

/** A still 640x360 frame of ffmpeg's testsrc2, 1 fps. */
async function stillCamera(): Promise<string> {
  const out = join(E2E_OUT, 'still-640x360-1fps.y4m');
  return existsSync(out) ? out : makeY4m(out, { source: null, frames: 2, fps: 1, still: true, size: { width: 640, height: 360 } });
}

beforeAll(async () => {
  [pagesDir, models, y4m] = await Promise.all([ensureDemoPages(), prepareModels(['tiny']), stillCamera()]);
});

afterAll(() => models?.dispose());

function options(mode: AdaptOptions['mode']): AdaptOptions {
  return {
    mode, pagesDir, modelsDir: models.root, model: 'tiny', y4m, sendRows: 90, out: { width: 640, height: 360 }, outDir: E2E_OUT,
    // Small and quick: 16-pixel LR crops, 2 per step, a clean LR (no WebCodecs round trip), most of each
    // second for training, and any held-back gain publishes. WebGL (ANGLE on SwiftShader): TF.js training on
    // SwiftShader's WebGPU ran ~0.3 steps/s here, on its WebGL ~3 steps/s.
    senderKnobs: { adaptBackend: 'webgl', adaptCodec: 'none', adaptCrop: 16, adaptBatch: 2, adaptBudget: 900, adaptLr: 0.002, adaptMinGain: 0, adaptSampleMs: 500 },
  };
}

function run(mode: AdaptOptions['mode']): Promise<AdaptReport> {
  return runIsolated<AdaptReport>(join(ROOT, 'test/e2e/adaptScenarioMain.ts'), [JSON.stringify(options(mode))], ADAPT_RESULT, 420_000, ROOT, (line) => {
    if (line.startsWith('[e2e ')) console.log(line);
  });
}

function check(r: AdaptReport): void {
  console.log(`adapt ${r.mode}: generation ${r.generation} after ${r.sender.steps} steps (first update painted ${r.firstUpdateSeconds.toFixed(0)} s after going live), held-back gain ${r.sender.validationGainDb?.toFixed(2) ?? '?'} dB, ` +
    `updates ${(r.sender.updateBitrateBps / 1000).toFixed(1)} kbit/s; ` + r.receivers.map((x) => `${x.role}: ${x.psnrY.toFixed(2)} dB vs adapted, ${x.psnrYBase.toFixed(2)} vs base (adapted vs base ${x.adaptedVsBase.toFixed(2)}), ${x.seconds.toFixed(0)} s`).join('; '));
  expect(r.generation).toBeGreaterThanOrEqual(1);
  expect(r.sender).toMatchObject({ backend: 'webgl', variant: 'tiny', sendWidth: 160, sendHeight: 90, generation: r.generation });
  expect(r.senderUpdates).toBeGreaterThanOrEqual(1);
  // The update budget: 5 % of the video bitrate the sender was given.
  expect(r.sender.updateBitrateBps).toBeLessThanOrEqual(0.05 * r.sender.videoBitrateBps);
  expect(r.receivers.map((x) => x.role)).toEqual(['first', 'late']);
  for (const x of r.receivers) {
    expect(x.stats).toMatchObject({ backend: 'webgpu', model: 'tiny', modelGeneration: r.generation, inputWidth: 160, inputHeight: 90, outputWidth: 640, outputHeight: 360, updatesRejected: 0 });
    expect(x.stats.updatesApplied).toBeGreaterThanOrEqual(1);
    expect(x.events.some((e) => e.type === 'modelupdate')).toBe(true);
    expect(x.events.filter((e) => e.type === 'error' || e.type === 'modelrevert')).toEqual([]);
    expect(x.psnrY, `${x.role} receiver vs the adapted model`).toBeGreaterThan(MIN_PSNR_Y);
    // The update moved the picture, and the receiver paints the moved one.
    expect(x.adaptedVsBase).toBeLessThan(x.psnrY - 3);
    expect(x.psnrYBase).toBeLessThan(x.psnrY - 3);
    expect(x.pairs.length).toBeGreaterThan(0);
    for (const p of x.pairs) expect(p).toMatchObject({ local: '127.0.0.1', remote: '127.0.0.1' });
  }
  // The late receiver got exactly one update: the newest, with the sender paused.
  expect(r.receivers[1]?.stats.updatesApplied).toBe(1);
  for (const p of r.senderPairs) expect(p).toMatchObject({ local: '127.0.0.1', remote: '127.0.0.1' });
}

describe('end-to-end: learning the call', () => {
  it('P2P: the sender adapts on SwiftShader and streams updates; a first and a late receiver paint the adapted model (>= 40 dB Y vs the CPU)', async () => {
    check(await run('p2p'));
  }, 440_000);

  it('SFU: the werift SFU forwards the updates one-to-many and replays the newest to a late receiver', async () => {
    const r = await run('sfu');
    check(r);
    const sfu = r.sfu as { model: { forwarded: number; accepted: number; dropped: Record<string, number> } };
    // Every update and its info went to the first receiver; the late one got the newest pair on join.
    expect(sfu.model.accepted).toBe(2 * r.senderUpdates);
    expect(sfu.model.forwarded).toBe(2 * r.senderUpdates + 2);
    expect(Object.values(sfu.model.dropped).every((n) => n === 0)).toBe(true);
  }, 440_000);
});
