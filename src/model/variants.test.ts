import { describe, expect, it } from 'vitest';
import { countMacs, countParams, getVariant, VARIANTS, variantSummaries } from './variants.js';
import { validateConfig } from './weightSpec.js';

/** [params used by the forward, params incl. the reference's unused PReLUs, MACs per 480x270 input frame] */
const PINNED: Record<string, [number, number, number]> = {
  paper: [200_121, 201_209, 42_175_339_200],
  'paper-skip': [200_121, 201_209, 42_175_339_200],
  lite48x8: [51_846, 52_278, 6_432_696_000],
  lite32x4: [14_822, 14_982, 1_810_641_600],
  tiny: [3_494, 3_542, 415_108_800],
  'paper-x2': [182_777, 183_865, 25_022_520_000],
  'paper-skip-x2': [182_777, 183_865, 25_022_520_000],
  'lite48x8-x2': [50_082, 50_514, 6_208_747_200],
  'lite32x4-x2': [13_634, 13_794, 1_661_342_400],
  'tiny-x2': [2_882, 2_930, 340_459_200],
  // 3x variants: MACs still per 480x270 input (a 360p stream is 640x360: 1.78x these).
  'lite48x8-x3': [50_817, 51_249, 6_302_059_200],
  'lite32x4-x3': [14_129, 14_289, 1_723_550_400],
  'tiny-x3': [3_137, 3_185, 371_563_200],
};

describe('variants', () => {
  it('pins parameter and MAC counts for every registered variant', () => {
    expect([...VARIANTS.keys()].sort()).toEqual(Object.keys(PINNED).sort());
    for (const [name, [used, withUnused, macs]] of Object.entries(PINNED)) {
      const { config } = getVariant(name);
      expect([name, countParams(config)]).toEqual([name, used]);
      expect([name, countParams(config, { includeUnusedPrelu: true })]).toEqual([name, withUnused]);
      expect([name, countMacs(config, 480, 270)]).toEqual([name, macs]);
    }
  });

  it('summarises every variant in registry order', () => {
    const rows = variantSummaries();
    expect(rows.map((r) => r.name)).toEqual([...VARIANTS.keys()]);
    expect(rows[0]).toMatchObject({ name: 'paper', params: 200_121, paramsWithUnusedPrelu: 201_209, macs: 42_175_339_200 });
    expect(variantSummaries(960, 540)[0]?.macs).toBe(4 * 42_175_339_200);
  });

  it('matches a hand derivation of the paper generator', () => {
    const initial = 3 * 81 + 3 + 3 * 64 + 64 + 64; // dw 9x9 + bias, pw + bias, PReLU
    const bnConv = 64 * 9 + 64 * 64 + 2 * 64; // dw 3x3, pw, BN gamma/beta (no conv biases before BN)
    const residual = 16 * (bnConv + 64 + bnConv); // PReLU only after the first conv of a block
    const up = 64 * 9 + 64 + 64 * 256 + 256 + 64;
    const final = 64 * 81 + 64 + 64 * 3 + 3;
    expect(countParams(getVariant('paper').config)).toBe(initial + residual + bnConv + 2 * up + final);
    const px = 480 * 270;
    const lr = 3 * 81 + 3 * 64 + 33 * (64 * 9 + 64 * 64) + (64 * 9 + 64 * 256);
    const macs = px * lr + 4 * px * (64 * 9 + 64 * 256) + 16 * px * (64 * 81 + 64 * 3);
    expect(countMacs(getVariant('paper').config, 480, 270)).toBe(macs);
    expect(macs / 1e9).toBeCloseTo(42.18, 2);
  });

  it('keeps the lite tiers at or below a quarter of the paper MACs', () => {
    const paper = countMacs(getVariant('paper').config, 480, 270);
    for (const name of ['lite48x8', 'lite32x4', 'tiny']) expect(countMacs(getVariant(name).config, 480, 270)).toBeLessThanOrEqual(paper / 4);
  });

  it('rejects unknown names and bad configs with the accepted range', () => {
    expect(() => getVariant('huge')).toThrow(/unknown variant 'huge'; known: paper/);
    expect(() => validateConfig({ scale: 3, channels: 8, blocks: 1, skip: 'none', tail: 'paper' })).toThrow(/scale 3 needs tail 'espcn'/);
    expect(() => validateConfig({ scale: 5 as 4, channels: 8, blocks: 1, skip: 'none', tail: 'espcn' })).toThrow(/scale must be 2, 3 or 4/);
    expect(() => validateConfig({ scale: 4, channels: 0, blocks: 1, skip: 'none', tail: 'paper' })).toThrow(/channels must be an integer in \[1, 512\]/);
    expect(() => validateConfig({ scale: 4, channels: 8, blocks: 1, skip: 'bicubic' as 'none', tail: 'paper' })).toThrow(/skip must be/);
  });
});
