import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '../../eval/backend.js';
import { areaResize } from '../../src/adapt/trainingPairs.js';
import { TINY_DIR } from '../../src/adapt/testSupport.js';
import { updateBaseFromWeights } from '../../src/adapt/updateBase.js';
import { loadGeneratorWeights } from '../../src/model/loadGenerator.js';
import type { RunInfo } from '../machine.js';
import { parseRate, type Pair } from './clips.js';
import { gridCells, parseNumbers, parseRates, perTier } from './grid.js';
import { adaptMarkdown, adaptRateSvg, adaptSvg, pointAt, type CellResult } from './report.js';
import { runSession } from './session.js';

describe('adapt bench grid', () => {
  it('parses rates, lists and per-tier options, and orders cells clip > rate > tier', () => {
    expect(parseRates('300,750,clean')).toEqual([300, 750, 'clean']);
    expect(() => parseRate('fast')).toThrow(RangeError);
    expect(() => parseRate('-5')).toThrow(RangeError);
    expect(parseNumbers('seconds', '15,30,60', { ascending: true })).toEqual([15, 30, 60]);
    expect(() => parseNumbers('seconds', '30,15', { ascending: true })).toThrow(RangeError);
    expect(() => parseNumbers('caps', '0.05,0')).toThrow(RangeError);
    expect(parseNumbers('min-gain', '0', { allowZero: true })).toEqual([0]);
    expect([...perTier('lr', '2e-3', ['tiny', 'lite48x8'], 1e-3)]).toEqual([['tiny', 2e-3], ['lite48x8', 2e-3]]);
    expect([...perTier('lr', 'tiny=3e-3', ['tiny', 'lite48x8'], 1e-3)]).toEqual([['tiny', 3e-3], ['lite48x8', 1e-3]]);
    expect(() => perTier('lr', 'huge=1', ['tiny'], 1)).toThrow(RangeError);
    expect(gridCells(['A', 'B'], [300, 750], ['t', 'l']).map((c) => `${c.clip}${c.rate}${c.tier}`)).toEqual([
      'A300t', 'A300l', 'A750t', 'A750l', 'B300t', 'B300l', 'B750t', 'B750l',
    ]);
  });
});

/** A synthetic clip: a moving stripe pattern the x4 model cannot guess, as HR 96x64 / LR 24x16 pairs. */
function clip(count: number, offset: number): Pair[] {
  return Array.from({ length: count }, (_, k) => {
    const data = new Float32Array(96 * 64 * 3);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 96; x++) {
        const v = 0.5 + 0.4 * Math.sin((x + k + offset) * 1.3) * Math.cos(y * 0.45);
        data.set([v, (x + 2 * y) % 29 < 14 ? 0.8 : 0.2, 0.5 * v], (y * 96 + x) * 3);
      }
    }
    const hr = { width: 96, height: 64, data };
    return { hr, lr: areaResize(hr, 24, 16) };
  });
}

describe('adapt bench session (tiny, synthetic clip, wasm)', () => {
  beforeAll(async () => {
    await setupBackend('wasm');
  });

  it('scores the static and adapted models, publishes within the cap, and reports the curve', async () => {
    const { meta, weights } = await loadGeneratorWeights(TINY_DIR);
    const base = await updateBaseFromWeights('tiny', meta.config, weights);
    const tune = { crop: 8, batch: 4, lr: 3e-3, candidates: 2, flips: true, trainLast: 0, seed: 1 };
    // 1 % of 2,000 kbit/s is 2,500 B/s: the 3,545 B int8 update fits once per 1.42 s. The fake clock makes
    // every step (and validation) take 0.25 s, so 12 steps are 3 s of adaptation.
    const caps = [{ share: 0.01, videoKbps: 2000, minGainDb: 0 }, { share: 1e-6, videoKbps: 2000, minGainDb: 0 }];
    let ms = 0;
    const clock = (): number => (ms += 250);
    const r = await runSession({ base, folded: weights, train: clip(4, 0), holdBack: 1, test: clip(2, 7), checkpoints: [6, 12], bySteps: true, clockKind: 'wall', caps, tune, clock });
    expect(r.curve.map((p) => p.steps)).toEqual([0, 6, 12]);
    expect(r.curve[0]?.gain).toBe(0);
    expect(r.curve[0]?.yPsnr).toBe(r.staticYPsnr);
    const last = r.curve[2];
    expect(last?.gain).toBeGreaterThan(0.05);
    expect([r.encoding, r.updateBytes]).toEqual(['int8', 3545]);
    // The starved cap (1e-6 of the rate: one update per ~4 hours) never publishes: its receiver keeps the base.
    expect(last?.seconds).toBe(3);
    expect(last?.received[0]?.updates).toBeGreaterThanOrEqual(1);
    expect(last?.received[0]?.lastPublishedAt).toBeGreaterThanOrEqual(1.42);
    expect(last?.received[1]).toMatchObject({ updates: 0, gain: 0, lastPublishedAt: null });
    for (const p of r.curve) {
      for (const x of p.received) expect(x.updateKbps).toBeLessThanOrEqual((x.share * 2000) + 1e-9);
    }
    for (const t of weights.values()) t.dispose();

    const cell: CellResult = { ...r, clip: 'synthetic', rate: 2000, tier: 'tiny', variant: 'tiny', baseSha256: base.digestHex, weights: base.count, measuredKbps: 1990, bicubicYPsnr: 20, tune };
    const run = { date: 'd', command: 'npm run bench -- adapt', gitCommit: 'abc', machine: { cpu: 'c', cores: 2, memoryGiB: 1, os: 'o', node: 'n', loadAverage1m: 1.5 }, tools: {} } satisfies RunInfo;
    const md = adaptMarkdown({ run, method: { checkpointsIn: 'steps' }, cells: [cell] });
    expect(md).toContain('| synthetic | 2000 kbit/s (1990) | tiny | 20.00 |');
    expect(md).toContain('6 steps | 12 steps | received, cap 1 % |');
    expect(md).toContain('load average 1.5');
    expect(pointAt(r, 6, 'steps')?.steps).toBe(6);
    expect(adaptSvg([cell], 'steps')).toContain('synthetic 2000 tiny');
    // Gain vs update bitrate at 3 s: only the cap that published has a point.
    expect(adaptRateSvg([cell], 'seconds', 3)?.match(/<circle /g)).toHaveLength(1);
    expect(adaptRateSvg([{ ...cell, curve: [r.curve[0] as CellResult['curve'][number]] }], 'seconds', 3)).toBeNull();
  });

  it('charges and decodes the encoding it is given: int4 updates (2,622 B) fit the 1 % cap once per 1.05 s', async () => {
    const { meta, weights } = await loadGeneratorWeights(TINY_DIR);
    const base = await updateBaseFromWeights('tiny', meta.config, weights);
    const tune = { crop: 8, batch: 4, lr: 3e-3, candidates: 2, flips: false, trainLast: 0, seed: 1 };
    let ms = 0;
    const clock = (): number => (ms += 250);
    const caps = [{ share: 0.01, videoKbps: 2000, minGainDb: 0 }];
    const r = await runSession({ base, folded: weights, train: clip(4, 0), holdBack: 1, test: clip(2, 7), checkpoints: [8], bySteps: true, clockKind: 'wall', caps, tune, clock, encoding: 'int4' });
    for (const t of weights.values()) t.dispose();
    expect([r.encoding, r.updateBytes]).toEqual(['int4', 2622]);
    const received = r.curve[1]?.received[0];
    expect(received?.updates).toBeGreaterThanOrEqual(1);
    expect(received?.lastPublishedAt).toBeGreaterThanOrEqual(1.05);
    expect(received?.updateKbps).toBeLessThanOrEqual(20);
    const cell: CellResult = { ...r, clip: 'synthetic', rate: 2000, tier: 'tiny', variant: 'tiny', baseSha256: base.digestHex, weights: base.count, measuredKbps: 1990, bicubicYPsnr: 20, tune };
    const run = { date: 'd', command: 'c', gitCommit: 'abc', machine: { cpu: 'c', cores: 2, memoryGiB: 1, os: 'o', node: 'n', loadAverage1m: 1 }, tools: {} } satisfies RunInfo;
    expect(adaptMarkdown({ run, method: { checkpointsIn: 'steps' }, cells: [cell] })).toContain('Update size (int4): tiny 2,622 B.');
  });
});
