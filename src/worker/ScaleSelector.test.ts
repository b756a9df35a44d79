import { describe, expect, it } from 'vitest';
import type { ModelRef, ModelScale } from './protocol.js';
import { ScaleSelector } from './ScaleSelector.js';

const ref = (name: string, scale: ModelScale, macs: number): ModelRef => ({ name, scale, macsPerOutputMegapixel: macs, url: `u/${name}` });
const MODELS = [ref('tiny', 4, 200), ref('lite32x4', 4, 873), ref('tiny-x3', 3, 356), ref('lite32x4-x3', 3, 1552), ref('tiny-x2', 2, 801)];
const opts = { outputWidth: 1920, outputHeight: 1080, initial: null };

describe('ScaleSelector', () => {
  it('plans with planScale over the scales present, heaviest tier first per scale', () => {
    const s = new ScaleSelector(MODELS, opts);
    expect(s.scales).toEqual([2, 3, 4]);
    expect(s.choose(480, 270).model?.name).toBe('lite32x4');
    expect(s.choose(640, 360).plan).toEqual({ ratio: 3, modelScale: 3, resample: false });
    expect(s.choose(1280, 720).plan).toMatchObject({ modelScale: 2, resample: true });
    expect(s.choose(1600, 900).model).toBeNull();
    expect(new ScaleSelector(MODELS.filter((m) => m.scale === 4), opts).choose(960, 540).plan).toMatchObject({ modelScale: 4, resample: true });
  });

  it('a named initial model starts its scale; other scales start at the heaviest model no costlier per output pixel', () => {
    const s = new ScaleSelector(MODELS, { ...opts, initial: 'tiny' });
    expect(s.choose(480, 270).model?.name).toBe('tiny');
    expect(s.choose(640, 360).model?.name).toBe('tiny-x3');
    const t = new ScaleSelector(MODELS, opts);
    t.painting(ref('lite32x4', 4, 873));
    expect(t.choose(640, 360).model?.name).toBe('tiny-x3');
    // Nothing as cheap: the lightest.
    expect(t.choose(960, 540).model?.name).toBe('tiny-x2');
  });

  it('tiers move per scale on model time; only the current model of a scale is judged', () => {
    const s = new ScaleSelector(MODELS, { ...opts, tiers: { window: 3 } });
    const lite = s.current(4);
    if (lite === null) throw new Error('no x4');
    expect(s.observe(ref('tiny-x3', 3, 356), 500, 33)).toBeNull();
    expect(s.observe(lite, 80, 33)).toBeNull();
    expect(s.observe(lite, 80, 33)).toBeNull();
    expect(s.observe(lite, 80, 33)).toEqual({ from: lite, to: MODELS[0], reason: 'too-slow' });
    expect(s.current(4)?.name).toBe('tiny');
    expect(s.others(4).map((m) => m.name)).toEqual(['lite32x4']);
    expect(s.current(3)?.name).toBe('lite32x4-x3');
    expect(s.neighbours(3).map((m) => m.name)).toEqual(['tiny-x2', 'tiny']);
  });

  it('drop() removes a model; a scale without models leaves the plan', () => {
    const s = new ScaleSelector(MODELS, opts);
    s.drop(MODELS[4] as ModelRef);
    expect(s.scales).toEqual([3, 4]);
    expect(s.choose(960, 540).plan).toMatchObject({ modelScale: 3, resample: true });
    for (const m of MODELS) s.drop(m);
    expect(s.empty).toBe(true);
    expect(s.choose(480, 270)).toMatchObject({ model: null, plan: { modelScale: null } });
  });
});
