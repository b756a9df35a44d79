import { describe, expect, it } from 'vitest';
import { seededRandom } from '../model/initGeneratorWeights.js';
import { areaResize, buildTrainingPairs, cropPairs, sendPair, type RgbFrame } from './trainingPairs.js';

function noise(width: number, height: number, seed: number): RgbFrame {
  const rand = seededRandom(seed);
  return { width, height, data: Float32Array.from({ length: width * height * 3 }, rand) };
}

const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;

describe('training pairs', () => {
  it('area downscale: block means at integer ratios, mean-preserving at fractional ones', () => {
    const f = noise(8, 4, 1);
    const half = areaResize(f, 4, 2);
    const px = (img: RgbFrame, x: number, y: number, c: number): number => img.data[(y * img.width + x) * 3 + c] ?? Number.NaN;
    expect(px(half, 1, 1, 2)).toBeCloseTo((px(f, 2, 2, 2) + px(f, 3, 2, 2) + px(f, 2, 3, 2) + px(f, 3, 3, 2)) / 4, 6);
    const g = noise(30, 18, 2);
    expect(mean(areaResize(g, 20, 12).data)).toBeCloseTo(mean(g.data), 5);
    expect(() => areaResize(g, 31, 18)).toThrow(RangeError);
    expect(areaResize(g, 30, 18).data).toEqual(g.data);
  });

  it('crops are aligned: each LR crop is the area downscale of its HR crop', () => {
    const f = noise(96, 64, 3);
    const o = { scale: 4, sendWidth: 24, sendHeight: 16, crop: 5, count: 6, seed: 9 };
    const b = buildTrainingPairs(f, o);
    expect([b.lr.length, b.hr.length]).toEqual([6 * 5 * 5 * 3, 6 * 20 * 20 * 3]);
    for (let n = 0; n < b.count; n++) {
      const hr = { width: 20, height: 20, data: b.hr.subarray(n * 1200, (n + 1) * 1200) };
      const lr = Array.from(b.lr.subarray(n * 75, (n + 1) * 75));
      areaResize(hr, 5, 5).data.forEach((v, i) => expect(v).toBeCloseTo(lr[i] ?? Number.NaN, 5));
    }
    expect(buildTrainingPairs(f, o)).toEqual(b);
    expect(buildTrainingPairs(f, { ...o, seed: 10 }).lr).not.toEqual(b.lr);
  });

  it('a camera frame larger than send x scale is scaled to the target first', () => {
    const f = noise(100, 60, 4);
    const { lr, hr } = sendPair(f, { scale: 2, sendWidth: 40, sendHeight: 24 });
    expect([lr.width, lr.height, hr.width, hr.height]).toEqual([40, 24, 80, 48]);
    expect(() => cropPairs(lr, lr, { scale: 2, crop: 4, count: 1, seed: 1 })).toThrow(RangeError);
    expect(() => cropPairs(lr, hr, { scale: 2, crop: 25, count: 1, seed: 1 })).toThrow(RangeError);
  });
});
