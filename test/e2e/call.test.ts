import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareModels, type ModelDir } from '../browser/fixtures.js';
import type { ScenarioReport } from './callScenario.js';
import { E2E_OUT, ensureDemoPages, runScenarioIsolated, stillY4m } from './harness.js';

/**
 * Real WebRTC between headless Chromium pages, 480x270 sent, 1920x1080 painted by the SDK, inside a
 * network namespace of the test's own (only `lo`), with every selected candidate pair checked to be
 * 127.0.0.1 on both ends.
 *
 * PSNR threshold, 40 dB against the same upscaler applied to the sender's own frame: the source is a
 * still, so VP8 at 2.5 Mbit/s converges to nearly lossless (measured 50-54 dB for both the tiny model and
 * bicubic, P2P and SFU). 40 dB leaves 10 dB for encoder variation and still fails every defect seen on the
 * way: WebGPU's gamut mapping of WebRTC frames (19.5 dB), black frames (3 dB), a cold P2P encoder's first
 * keyframe (31 dB: the scenario scores frames decoded after the call settled).
 * The same picture scored against the mirrored reference is the control (colour bars mirror onto their
 * complements: ~0.5 dB).
 */
const MIN_PSNR = 40;

let models: ModelDir;
let pagesDir: string;
let y4m: string;

beforeAll(async () => {
  mkdirSync(E2E_OUT, { recursive: true });
  [pagesDir, models, y4m] = await Promise.all([ensureDemoPages(), prepareModels(['tiny']), stillY4m()]);
});

afterAll(() => models?.dispose());

function checkReport(r: ScenarioReport): void {
  expect(r.receivers.map((x) => x.receivers)).toEqual([1, 3, 3, 3]);
  for (const rx of r.receivers) {
    expect(rx.stats?.outputWidth).toBe(1920);
    expect(rx.stats?.outputHeight).toBe(1080);
    expect(rx.psnr, `${rx.tier} receiver (wave ${rx.wave}) PSNR vs the upscaled source`).toBeGreaterThan(MIN_PSNR);
    expect(rx.psnrMirrored).toBeLessThan(rx.psnr - 8);
    expect(rx.statsEventsLater).toBeGreaterThan(rx.statsEvents);
    // Every selected candidate pair is loopback on both ends.
    expect(rx.pairs.length).toBeGreaterThan(0);
    for (const p of rx.pairs) expect(p).toMatchObject({ local: '127.0.0.1', remote: '127.0.0.1' });
  }
  // The sender left: no connection, the SDK idle (not disposed, no error), the page waiting for a sender.
  for (const rx of r.receivers.filter((x) => x.wave === 1)) expect(rx.after).toEqual({ phase: 'waiting', sdkState: 'idle', connection: 'none', error: null });
  expect(r.receivers[0]?.stats?.backend).toBe('webgpu');
  expect(r.receivers[0]?.stats?.tier).toBe('tiny');
  expect(r.senderPairs.length).toBeGreaterThan(0);
  for (const p of r.senderPairs) expect(p).toMatchObject({ local: '127.0.0.1', remote: '127.0.0.1' });
  for (const s of Object.values(r.senderStats)) expect([s?.width, s?.height]).toEqual([480, 270]);
}

describe('end-to-end call', () => {
  it('P2P: sender -> 1 receiver (tiny model), then -> 3 receivers, upscaled to 1080p matching the source, clean after the sender leaves', async () => {
    const r = await runScenarioIsolated({ mode: 'p2p', pagesDir, modelsDir: models.root, y4m, waves: [['tiny'], ['bicubic', 'bicubic', 'bicubic']], outDir: E2E_OUT }, 420_000);
    console.log('p2p', r.receivers.map((x) => `${x.tier}: ${x.psnr.toFixed(2)} dB (mirrored ${x.psnrMirrored.toFixed(2)})`).join(', '));
    checkReport(r);
    // P2P: the sender uploads once per receiver (the 3 of the last wave).
    expect(Object.keys(r.senderStats)).toHaveLength(3);
  }, 440_000);

  it('SFU: the sender uploads once, werift forwards to 1 receiver (tiny), then to 3, all on loopback', async () => {
    const r = await runScenarioIsolated({ mode: 'sfu', pagesDir, modelsDir: models.root, y4m, waves: [['tiny'], ['bicubic', 'bicubic', 'bicubic']], outDir: E2E_OUT }, 420_000);
    console.log('sfu', r.receivers.map((x) => `${x.tier}: ${x.psnr.toFixed(2)} dB (mirrored ${x.psnrMirrored.toFixed(2)})`).join(', '));
    checkReport(r);
    expect(Object.keys(r.senderStats)).toEqual(['sfu']);
    expect(r.sfu?.before).toMatchObject({ publishing: true, subscribers: 3 });
    expect(r.sfu?.after).toMatchObject({ publishing: false, subscribers: 0 });
    expect(r.sfu?.candidates.every((a) => a === '127.0.0.1')).toBe(true);
  }, 440_000);
});
