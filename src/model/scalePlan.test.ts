import { describe, expect, it } from 'vitest';
import { planScale } from './scalePlan.js';

const ALL = [2, 3, 4] as const;

describe('planScale', () => {
  it('maps the encoder ladder to 1080p onto exact model scales', () => {
    expect(planScale(480, 270, 1920, 1080, ALL)).toEqual({ ratio: 4, modelScale: 4, resample: false });
    expect(planScale(640, 360, 1920, 1080, ALL)).toEqual({ ratio: 3, modelScale: 3, resample: false });
    expect(planScale(960, 540, 1920, 1080, ALL)).toEqual({ ratio: 2, modelScale: 2, resample: false });
  });

  it('takes the next scale up between scales, the largest then a resample above it, and no model near 1x', () => {
    expect(planScale(1280, 720, 1920, 1080, ALL)).toEqual({ ratio: 1.5, modelScale: 2, resample: true });
    expect(planScale(800, 450, 1920, 1080, ALL)).toEqual({ ratio: 2.4, modelScale: 3, resample: true });
    expect(planScale(320, 180, 1920, 1080, ALL)).toEqual({ ratio: 6, modelScale: 4, resample: true });
    expect(planScale(1600, 900, 1920, 1080, ALL)).toEqual({ ratio: 1.2, modelScale: null, resample: true });
    expect(planScale(1920, 1080, 1920, 1080, ALL)).toEqual({ ratio: 1, modelScale: null, resample: false });
  });

  it('uses the aspect-preserving fit, tolerates rounding and respects the available scales', () => {
    expect(planScale(640, 480, 1920, 1080, ALL).ratio).toBe(2.25);
    expect(planScale(640, 480, 1920, 1080, ALL).modelScale).toBe(3);
    expect(planScale(642, 360, 1920, 1080, ALL)).toMatchObject({ modelScale: 3, resample: false });
    expect(planScale(640, 360, 1920, 1080, [2, 4])).toEqual({ ratio: 3, modelScale: 4, resample: true });
    expect(planScale(480, 270, 1920, 1080, [])).toEqual({ ratio: 4, modelScale: null, resample: true });
    expect(planScale(480, 270, 1920, 1080, ALL, { minRatio: 5 }).modelScale).toBeNull();
  });

  it('names bad sizes and options', () => {
    expect(() => planScale(0, 270, 1920, 1080, ALL)).toThrow(/inW must be a positive integer/);
    expect(() => planScale(480, 270.5, 1920, 1080, ALL)).toThrow(RangeError);
    expect(() => planScale(480, 270, 1920, 1080, ALL, { minRatio: 0.5 })).toThrow(/minRatio/);
  });
});
