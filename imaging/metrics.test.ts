import { ssim as ssimJs } from 'ssim.js';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/model/initGeneratorWeights.js';
import { lumaY, psnr, psnrRgb, psnrY, ssimPlane, ssimY } from './metrics.js';

function image(w: number, h: number, f: (x: number, y: number, c: number) => number) {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = f(x, y, c);
  return { width: w, height: h, data };
}

describe('metrics', () => {
  it('BT.601 luma: black 16, white 235', () => {
    expect(lumaY(image(1, 1, () => 0))[0]).toBeCloseTo(16, 6);
    expect(lumaY(image(1, 1, () => 1))[0]).toBeCloseTo(235, 3);
  });

  it('PSNR of a known error level', () => {
    // +-5 grey levels everywhere: MSE 25, PSNR = 10 log10(255^2 / 25) = 34.151 dB.
    const a = Array.from({ length: 1000 }, (_, i) => (i * 7) % 200 + 20);
    const b = a.map((v, i) => v + (i % 2 === 0 ? 5 : -5));
    expect(psnr(a, b)).toBeCloseTo(34.1514, 3);
    expect(psnr(a, a)).toBe(Infinity);
    // Y-PSNR: an RGB offset d changes Y by d * (65.481 + 128.553 + 24.966) = 219 d.
    const x = image(20, 20, (i, j) => ((i + j) % 10) / 20 + 0.2);
    const y = image(20, 20, (i, j) => ((i + j) % 10) / 20 + 0.2 + 2 / 219);
    expect(psnrY(x, y, 4)).toBeCloseTo(10 * Math.log10((255 * 255) / 4), 3);
    expect(psnrRgb(x, y, 4)).toBeCloseTo(10 * Math.log10((255 * 255) / ((2 * 255) / 219) ** 2), 3);
  });

  it('SSIM is 1 for identical images and matches ssim.js (original MATLAB port) on a noisy pair', () => {
    const rand = seededRandom(3);
    // Uniform noise of the same variance as the gaussian noise of 25 grey levels.
    const w = 48;
    const h = 40;
    const a = new Float64Array(w * h).map((_, i) => Math.round(128 + 80 * Math.sin(i * 0.05) * Math.cos(i * 0.013)));
    const b = a.map((v) => Math.round(Math.min(255, Math.max(0, v + (rand() - 0.5) * 25 * Math.sqrt(12)))));
    expect(ssimPlane(a, a, w, h)).toBeCloseTo(1, 10);
    const rgba = (p: Float64Array) => {
      const d = new Uint8ClampedArray(w * h * 4);
      p.forEach((v, i) => d.set([v, v, v, 255], i * 4));
      return { data: d, width: w, height: h };
    };
    const ref = ssimJs(rgba(a), rgba(b), { ssim: 'original', downsample: false, rgb2grayVersion: 'original', k1: 0.01, k2: 0.03, windowSize: 11, bitDepth: 8 }).mssim;
    const ours = ssimPlane(a, b, w, h);
    expect(ours).toBeLessThan(0.95);
    expect(Math.abs(ours - ref)).toBeLessThan(1e-6);
  });

  it('ssimY crops the border and rejects size mismatches', () => {
    const a = image(30, 30, (x, y) => ((x * y) % 7) / 7);
    const b = image(30, 30, (x, y) => (x < 4 ? 0 : ((x * y) % 7) / 7));
    expect(ssimY(a, b, 4)).toBeCloseTo(1, 10);
    expect(ssimY(a, b, 2)).toBeLessThan(1);
    expect(() => psnrY(a, image(10, 10, () => 0), 0)).toThrow(RangeError);
  });
});
