import { describe, expect, it } from 'vitest';
import { bdQuality, bdRate, monotoneCurve, polyfit, qualityAt, rateFor, type RatePoint } from './bdRate.js';

const curve = (rates: number[], q: number[]): RatePoint[] => rates.map((kbps, i) => ({ kbps, quality: q[i] ?? 0 }));
const anchor = curve([100, 200, 400, 800], [30.1, 32.8, 35.2, 37.0]);
const test = curve([120, 220, 450, 900], [31.0, 33.5, 35.9, 37.8]);

describe('polyfit', () => {
  it('recovers an exact cubic at PSNR-sized x', () => {
    const xs = [28, 30, 33, 35, 38, 40];
    const ys = xs.map((x) => 0.5 - 2 * x + 0.03 * x * x - 0.0004 * x ** 3);
    const p = polyfit(xs, ys, 3);
    expect(p[0]).toBeCloseTo(0.5, 6);
    expect(p[1]).toBeCloseTo(-2, 7);
    expect(p[2]).toBeCloseTo(0.03, 8);
    expect(p[3]).toBeCloseTo(-0.0004, 9);
  });
  it('rejects too few points', () => {
    expect(() => polyfit([1, 2, 3], [1, 2, 3], 3)).toThrow(RangeError);
  });
});

describe('bdRate / bdQuality', () => {
  it('matches the numpy polyfit reference (VCEG-M33 formula)', () => {
    const r = bdRate(anchor, test);
    const q = bdQuality(anchor, test);
    if (r.value === null || q.value === null) throw new Error('expected values');
    expect(r.value).toBeCloseTo(-9.711453048847297, 6);
    expect(q.value).toBeCloseTo(0.34260256926028143, 6);
  });
  it('gives -50 % for the same curve at half the rate, and 0 against itself', () => {
    const half = anchor.map((p) => ({ kbps: p.kbps / 2, quality: p.quality }));
    expect(bdRate(anchor, half).value).toBeCloseTo(-50, 6);
    expect(bdRate(anchor, anchor).value).toBeCloseTo(0, 9);
    expect(bdQuality(anchor, anchor.map((p) => ({ ...p, quality: p.quality + 1 }))).value).toBeCloseTo(1, 6);
  });
  it('says why when curves do not overlap or have too few points', () => {
    const far = curve([100, 200, 400, 800], [40, 41, 42, 43]);
    expect(bdRate(anchor, far)).toEqual({ value: null, reason: 'quality ranges do not overlap' });
    const r = bdRate(anchor, test.slice(0, 3));
    expect(r.value).toBeNull();
    expect('reason' in r && r.reason).toMatch(/need 4 distinct points/);
  });
});

describe('monotoneCurve, qualityAt, rateFor', () => {
  it('drops points where the encoder spent no more bits or gained no quality', () => {
    const c = monotoneCurve(curve([1600, 1600, 1610, 2000, 3000], [34, 34.1, 34.2, 35, 34.9]));
    expect(c.map((p) => p.kbps)).toEqual([1600, 2000]);
  });
  it('interpolates in log-rate and refuses to extrapolate', () => {
    expect(qualityAt(anchor, 200)).toBeCloseTo(32.8, 9);
    expect(qualityAt(anchor, Math.sqrt(200 * 400))).toBeCloseTo(34, 9);
    expect(qualityAt(anchor, 50)).toBeNull();
    expect(rateFor(anchor, 34)).toBeCloseTo(Math.sqrt(200 * 400), 6);
    expect(rateFor(anchor, 38)).toBeNull();
  });
});
