import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePages, type PageServer } from '../../scripts/pageServer.js';
import { decodeModelUpdate, updateBytes } from '../../src/adapt/modelUpdate.js';
import { tinyValues } from '../../src/adapt/testSupport.js';
import { createUpdateBase, type UpdateBase } from '../../src/adapt/updateBase.js';
import { parseUpdateInfo } from '../../src/sdk/updateChannel.js';
import { clockSequence } from '../../src/sender/sequence.js';
import { ensurePagesBuilt } from './buildPages.js';
import { launchChromium, type LaunchedBrowser } from './chromium.js';
import { prepareModels, waitFor, type ModelDir } from './fixtures.js';
import type { SenderPageApi, SenderPageState } from './senderPageApi.js';

/**
 * SwiftSRSender in headless Chromium: fine-tuning on SwiftShader WebGPU with the shipped tiny model, small
 * crops and a 192x128 synthetic camera sent at 48x32 through a VP8 round trip; the updates it publishes
 * are decoded here with the same base a receiver uses.
 */

const BITRATE = 300_000;
const SHARE = 0.05;

let browser: LaunchedBrowser;
let server: PageServer;
let models: ModelDir;
let page: Page;
let base: UpdateBase;
const t0 = Date.now();
const mark = (what: string): void => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

function call<K extends keyof SenderPageApi>(name: K, ...args: Parameters<SenderPageApi[K]>): Promise<Awaited<ReturnType<SenderPageApi[K]>>> {
  return page.evaluate(
    (n, a) => {
      const api = (globalThis as unknown as { swiftsrSenderTest: Record<string, (...x: unknown[]) => unknown> }).swiftsrSenderTest;
      return (api[n] as (...x: unknown[]) => unknown)(...a);
    },
    name,
    args,
  ) as Promise<Awaited<ReturnType<SenderPageApi[K]>>>;
}

const state = (): Promise<SenderPageState> => call('state');

/** Waits for `n` more stats events and returns the last state. */
async function moreStats(n: number): Promise<SenderPageState> {
  const from = (await state()).statsCount;
  return waitFor(`${n} more stats`, async () => {
    const s = await state();
    return s.statsCount >= from + n ? s : null;
  }, 120_000);
}

beforeAll(async () => {
  const [dir, m] = await Promise.all([ensurePagesBuilt(), prepareModels(['tiny'])]);
  models = m;
  const { values } = await tinyValues();
  base = await createUpdateBase('tiny', values);
  server = await servePages({ '/test-models/': models.root, '/': dir });
  browser = await launchChromium({ webgpu: true, loopbackWebRTC: true });
  page = await browser.browser.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error('[page]', msg.text());
  });
  // The sender worker's own console (Chromium's "VideoFrame was garbage collected" warning lands there,
  // not on the page): printed with its origin, or a warning seen in the log could not be placed.
  page.on('workercreated', (worker) => {
    worker.client.on('Log.entryAdded', ({ entry }) => {
      if (entry.level === 'error') console.error('[sender worker]', entry.text);
    });
    void worker.client.send('Log.enable').catch(() => undefined);
  });
  await page.goto(`${server.url}/sender.html`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  models?.dispose();
});

describe('SwiftSRSender (SwiftShader)', () => {
  it('a fine-tuning step on webgpu and webgl gives the loss and weights of the cpu backend', async () => {
    const r = await call('gradCheck', `${server.url}/test-models/tiny/model.json`, 3);
    mark(`grad check: losses ${JSON.stringify(r.losses)}, max weight diff vs cpu ${JSON.stringify(r.maxWeightDiff)}, max change ${r.maxWeightChange}`);
    const cpu = r.losses['cpu'] as number[];
    for (const b of ['webgpu', 'webgl']) {
      (r.losses[b] as number[]).forEach((l, i) => expect(Math.abs(l - (cpu[i] as number))).toBeLessThan(1e-4 * Math.max(1, cpu[i] as number)));
      // Three Adam steps of 2e-3 move weights by up to ~6e-3; the backends agree far closer than that.
      expect(r.maxWeightDiff[b]).toBeLessThan(r.maxWeightChange / 20);
    }
    expect(r.maxWeightChange).toBeGreaterThan(1e-3);
    expect(cpu[2]).toBeLessThan(cpu[0] as number);
  }, 300_000);

  it('the VP8 round trip degrades the LR as a call does, with no colour shift (BT.601 on both ends, as receivers assume)', async () => {
    const r = await call('roundTrip', 2_000_000);
    mark(`round trip: ${r.pairs} pairs, ${r.psnr.toFixed(2)} dB vs clean LR, mean shift ${r.meanDiff255.map((v) => v.toFixed(2)).join('/')} levels`);
    expect(r.errors).toEqual([]);
    expect(r.pairs).toBeGreaterThanOrEqual(10);
    // Lossy (VP8 and 4:2:0 chroma on near-Nyquist stripes: ~24 dB) but unbiased: a matrix mismatch shifts means by 1.5-3 levels.
    expect(r.psnr).toBeGreaterThan(20);
    expect(r.psnr).toBeLessThan(60);
    for (const d of r.meanDiff255) expect(Math.abs(d)).toBeLessThan(0.75);
  }, 120_000);

  it('adapts to the camera, publishes valid updates with a held-back gain under the byte cap, pauses and resumes, disposes clean', async () => {
    const startedAt = Date.now();
    const { attachMs } = await call('start', {
      width: 192,
      height: 128,
      fps: 15,
      sendWidth: 48,
      sendHeight: 32,
      bitrateBps: BITRATE,
      options: {
        model: 'tiny',
        modelBaseUrl: `${server.url}/test-models/`,
        backend: 'webgpu',
        budgetMsPerSecond: 1000,
        crop: 12,
        batch: 4,
        learningRate: 2e-3,
        sampleIntervalMs: 200,
        codec: 'vp8',
        encoding: 'int8',
        maxUpdateShare: SHARE,
        minGainDb: 0.01,
        statsIntervalMs: 500,
      },
    });
    mark(`attach resolved after ${attachMs.toFixed(0)} ms`);
    let s = await state();
    expect(s.state).toBe('adapting');

    s = await waitFor('two published updates, in the stats too', async () => {
      const now = await state();
      return now.updates.length >= 2 && now.stats?.['generation'] === now.updates.at(-1)?.seq ? now : null;
    }, 240_000);
    const st = s.stats as Record<string, number | string | null>;
    mark(`after ${((s.now - s.t0) / 1000).toFixed(1)} s: ${JSON.stringify(st)}`);
    expect(s.errors).toEqual([]);
    expect(st['backend']).toBe('webgpu');
    expect([st['sendWidth'], st['sendHeight'], st['trainWidth'], st['trainHeight']]).toEqual([48, 32, 48, 32]);

    // Every update decodes with the receiver's base (the shipped tiny), in rising sequence, its info right after it.
    const main = s.channels['main'] ?? [];
    const binaries = main.filter((m) => m.kind === 'binary');
    expect(binaries.length).toBeGreaterThanOrEqual(1);
    let after = 0;
    for (let i = 0; i < binaries.length; i++) {
      const bytes = Buffer.from(await call('message', i), 'base64');
      expect(bytes.length).toBe(updateBytes(base, 'int8'));
      const decoded = decodeModelUpdate(new Uint8Array(bytes), base, { after });
      after = decoded.seq;
      const info = parseUpdateInfo(main[main.indexOf(binaries[i]!) + 1]?.text);
      const event = s.updates.find((u) => u.seq === decoded.seq);
      expect(info).toEqual({ seq: decoded.seq, gainDb: event?.gainDb, variant: 'tiny' });
      expect(info!.gainDb).toBeGreaterThan(0);
    }
    // Sequence numbers follow the wall clock (src/sender/sequence.ts), so a reloaded sender starts above its predecessor.
    const seqs = s.updates.map((u) => u.seq);
    expect(seqs[0]).toBeGreaterThanOrEqual(clockSequence(startedAt));
    expect(seqs.at(-1)).toBeLessThanOrEqual(clockSequence(Date.now()));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(st['generation']).toBe(seqs.at(-1));
    expect(st['validationGainDb']).toBeGreaterThan(0);

    // The byte cap: what the channel got never exceeds the share of the video bits since attach() began.
    for (const m of binaries) expect(binaries.filter((b) => b.t <= m.t).reduce((n, b) => n + b.bytes, 0) * 8).toBeLessThanOrEqual(SHARE * BITRATE * ((m.t - s.t0) / 1000));
    expect(st['updateBitrateBps']).toBeLessThanOrEqual(SHARE * BITRATE);
    expect(st['updateBytes']).toBe(s.updates.reduce((n, u) => n + u.bytes, 0));
    // A backed-up channel gets nothing; a late one gets the newest update as soon as it opens.
    expect(s.channels['backed-up']).toEqual([]);
    expect(s.channels['late']).toEqual([]);
    await call('openLate');
    const late = await waitFor('the late channel to get the newest update', async () => {
      const now = await state();
      return (now.channels['late'] ?? []).length >= 2 ? now : null;
    });
    const lateInfo = parseUpdateInfo(late.channels['late']![1]!.text);
    expect(lateInfo?.seq).toBeGreaterThanOrEqual(seqs.at(-1)!);

    // Paused by the app: pause() resolves once the worker confirms (the step in flight ended, an update it
    // made delivered first); the state turns 'paused' then, and nothing steps or publishes after it.
    const acked = await call('pauseAcked');
    expect(acked.stateAtCall).toBe('adapting');
    expect(acked.stateAtResolve).toBe('paused');
    const frozen = await moreStats(1);
    expect(frozen.stats?.['pausedReason']).toBe('app');
    expect(frozen.updates).toHaveLength(acked.updates);
    expect(frozen.stats?.['generation']).toBe(acked.lastSeq);
    const still = await moreStats(4);
    expect(still.stats?.['steps']).toBe(frozen.stats?.['steps']);
    expect(still.updates).toHaveLength(acked.updates);
    expect(still.stats?.['generation']).toBe(acked.lastSeq);
    await call('resume');
    await waitFor('steps after resume', async () => {
      const now = await state();
      return now.state === 'adapting' && (now.stats?.['steps'] as number) > (frozen.stats?.['steps'] as number) ? now : null;
    });
    mark(`app pause held steps at ${String(frozen.stats?.['steps'])} and ${acked.updates} updates, resumed`);

    // Paused by a hidden tab: the state follows the worker's confirmation too.
    await call('setHidden', true);
    await waitFor('the hidden pause confirmed', async () => ((await state()).state === 'paused' ? true : null));
    const hidden = await moreStats(1);
    expect(hidden.stats?.['pausedReason']).toBe('hidden');
    const again = await moreStats(4);
    expect(again.stats?.['steps']).toBe(hidden.stats?.['steps']);
    await call('setHidden', false);
    const going = await waitFor('steps after the tab shows', async () => {
      const now = await state();
      return now.state === 'adapting' && (now.stats?.['steps'] as number) > (hidden.stats?.['steps'] as number) ? now : null;
    });
    expect(going.stats?.['pausedReason']).toBeNull();
    expect((await state()).states).toEqual(['loading', 'adapting', 'paused', 'adapting', 'paused', 'adapting']);

    expect(await call('dispose')).toEqual({ numTensors: 0, openFrames: 0 });
    mark('disposed');
  }, 420_000);

  it('reads the send size and bitrate from an RTCRtpSender; a send size x scale beyond the camera trains at camera / scale', async () => {
    const { attachMs } = await call('start', {
      width: 192,
      height: 128,
      fps: 15,
      sendWidth: 0,
      sendHeight: 0,
      bitrateBps: 0,
      rtp: true,
      options: { model: 'tiny', modelBaseUrl: `${server.url}/test-models/`, backend: 'webgpu', crop: 12, batch: 2, sampleIntervalMs: 300, codec: 'vp8', statsIntervalMs: 500 },
    });
    mark(`attach over a loopback call resolved after ${attachMs.toFixed(0)} ms`);
    const s = await waitFor('stats with the send parameters', async () => {
      const now = await state();
      return (now.stats?.['sendWidth'] as number) > 0 && (now.stats?.['trainWidth'] as number) > 0 ? now : null;
    });
    const st = s.stats as Record<string, number>;
    mark(`from the RTCRtpSender: ${st['sendWidth']}x${st['sendHeight']} at ${st['videoBitrateBps']} bit/s, training at ${st['trainWidth']}x${st['trainHeight']}`);
    expect(s.errors).toEqual([]);
    // WebRTC sends the 192x128 camera at its size (or scaled down by whole steps); x4 of that exceeds the camera.
    expect(st['sendWidth']! / st['sendHeight']!).toBeCloseTo(1.5, 1);
    expect(st['videoBitrateBps']).toBeGreaterThan(10_000);
    expect([st['trainWidth'], st['trainHeight']]).toEqual([48, 32]);
    expect(await call('dispose')).toEqual({ numTensors: 0, openFrames: 0 });
  }, 180_000);

  it('attach() with no send parameters trains at camera / scale and publishes nothing; the send size drops those samples, and updates follow the bitrate', async () => {
    await call('start', {
      width: 192,
      height: 128,
      fps: 15,
      sendWidth: 0,
      sendHeight: 0,
      bitrateBps: 0,
      deferParams: true,
      options: { model: 'tiny', modelBaseUrl: `${server.url}/test-models/`, backend: 'webgl', budgetMsPerSecond: 1000, crop: 12, batch: 4, learningRate: 2e-3, sampleIntervalMs: 200, codec: 'vp8', minGainDb: 0.01, statsIntervalMs: 500 },
    });
    const before = await waitFor('training at the provisional size', async () => {
      const now = await state();
      return (now.stats?.['steps'] as number) >= 24 && (now.stats?.['samples'] as number) >= 10 ? now : null;
    }, 180_000);
    const b = before.stats as Record<string, number>;
    mark(`no send parameters: ${b['steps']} steps on ${b['samples']} samples at ${b['trainWidth']}x${b['trainHeight']}, generation ${b['generation']}`);
    expect(before.errors).toEqual([]);
    expect(before.state).toBe('adapting');
    // 192x128 over tiny's x4; no bitrate, so no byte budget: nothing published however long it trains.
    expect([b['sendWidth'], b['sendHeight'], b['videoBitrateBps'], b['trainWidth'], b['trainHeight']]).toEqual([0, 0, 0, 48, 32]);
    expect(b['generation']).toBe(0);
    expect(before.updates).toEqual([]);

    await call('setParams', 40, 24, BITRATE);
    const after = await waitFor('training at the send size', async () => {
      const now = await state();
      return now.stats?.['trainWidth'] === 40 ? now : null;
    });
    const a = after.stats as Record<string, number>;
    // The provisional samples (48x32, clean) were dropped: the pool restarted with 40x24 VP8 pairs.
    expect(a['samples']).toBeLessThan(b['samples']!);
    expect([a['sendWidth'], a['sendHeight'], a['videoBitrateBps'], a['trainHeight']]).toEqual([40, 24, BITRATE, 24]);
    const published = await waitFor('an update once the bitrate is known', async () => {
      const now = await state();
      return now.updates.length >= 1 ? now : null;
    }, 240_000);
    mark(`first update ${((published.now - after.now) / 1000).toFixed(1)} s after the send parameters: ${JSON.stringify(published.updates[0])}`);
    expect(published.errors).toEqual([]);
    expect(published.updates[0]!.gainDb).toBeGreaterThan(0);
    expect(await call('dispose')).toEqual({ numTensors: 0, openFrames: 0 });
  }, 420_000);

  it('a model that is not in the catalogue rejects attach(), and every later attach(), with a RangeError naming options.model', async () => {
    const r = await call('badModel', `${server.url}/test-models/`);
    expect(r.attempts).toHaveLength(2);
    for (const a of r.attempts) {
      expect(a.name).toBe('RangeError');
      expect(a.message).toMatch(/options\.model: 'no-such-model' is not in .*index\.json \(it has tiny\)/);
    }
    expect(r.leaks).toEqual({ numTensors: 0, openFrames: 0 });
  }, 120_000);
});
