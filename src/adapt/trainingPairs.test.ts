import { describe, expect, it } from 'vitest';
import { seededRandom } from '../model/initGeneratorWeights.js';
import { areaResize, buildTrainingPairs, cropDetail, cropPairs, sendPair, type RgbFrame } from './trainingPairs.js';

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

  it('detail-weighted crops: candidates pick textured areas, 1 candidate is plain uniform sampling', () => {
    // Left half flat grey, right half noise: uniform crops land on the flat half about half the time.
    const rand = seededRandom(5);
    const hr: RgbFrame = { width: 256, height: 64, data: new Float32Array(256 * 64 * 3) };
    for (let y = 0; y < 64; y++) for (let x = 0; x < 256; x++) for (let c = 0; c < 3; c++) hr.data[(y * 256 + x) * 3 + c] = x < 128 ? 0.5 : rand();
    const lr = areaResize(hr, 64, 16);
    expect(cropDetail(hr, 0, 0, 16)).toBe(0);
    expect(cropDetail(hr, 200, 10, 16)).toBeGreaterThan(0.3);
    const o = { scale: 4, crop: 8, count: 64, seed: 3 };
    const detail = (b: ReturnType<typeof cropPairs>): number => {
      let sum = 0;
      for (let n = 0; n < b.count; n++) sum += cropDetail({ width: 32, height: 32, data: b.hr.subarray(n * 3072, (n + 1) * 3072) }, 0, 0, 32);
      return sum / b.count;
    };
    const uniform = cropPairs(lr, hr, o);
    const weighted = cropPairs(lr, hr, { ...o, candidates: 4 });
    expect(cropPairs(lr, hr, { ...o, candidates: 1 })).toEqual(uniform);
    expect(detail(weighted)).toBeGreaterThan(detail(uniform) * 1.3);
    expect(() => cropPairs(lr, hr, { ...o, candidates: 0 })).toThrow(RangeError);
    expect(() => cropPairs(lr, hr, { ...o, candidates: 1.5 })).toThrow(RangeError);
  });

  it('flips keep LR and HR crops aligned and use all 8 symmetries of the square', () => {
    // Pixel values encode their position, so each crop's corners tell its symmetry.
    const hr: RgbFrame = { width: 64, height: 64, data: new Float32Array(64 * 64 * 3) };
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) hr.data.set([x / 64, y / 64, 0.5], (y * 64 + x) * 3);
    const lr = areaResize(hr, 16, 16);
    const b = cropPairs(lr, hr, { scale: 4, crop: 4, count: 64, seed: 11, flips: true });
    const seen = new Set<string>();
    for (let n = 0; n < b.count; n++) {
      const big = { width: 16, height: 16, data: b.hr.subarray(n * 768, (n + 1) * 768) };
      const small = Array.from(b.lr.subarray(n * 48, (n + 1) * 48));
      areaResize(big, 4, 4).data.forEach((v, i) => expect(v).toBeCloseTo(small[i] ?? Number.NaN, 5));
      // Top-left pixel vs its right neighbour: which source axis runs along the crop's rows, and which way.
      const d = big.data;
      const along = (i: number): string => `${Math.sign((d[i] ?? 0) - (d[0] ?? 0))},${Math.sign((d[i + 1] ?? 0) - (d[1] ?? 0))}`;
      seen.add(`${along(3)}|${along(16 * 3)}`);
    }
    expect(seen.size).toBe(8);
  });
});
