import { describe, expect, it } from 'vitest';
import { seededRandom } from '../model/initGeneratorWeights.js';
import { sendPair } from '../adapt/trainingPairs.js';
import { cameraPair } from './cameraPair.js';
import { rgbaToRgb } from './trainGeometry.js';

/** Noise plus edges: every byte value and every tap weight matters. */
function camera(width: number, height: number, seed: number): Uint8ClampedArray {
  const rand = seededRandom(seed);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = i % 4 === 3 ? 255 : Math.floor(rand() * 256);
  for (let i = 0; i < width * 4 * 2; i++) rgba[i] = 255;
  return rgba;
}

/** Bit patterns, so a float that differs in its last ulp (or -0 vs 0) fails. */
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('cameraPair', () => {
  it('is bit-identical to sendPair(rgbaToRgb(...)): integer and fractional ratios, same-size HR, one axis unscaled, odd sizes', () => {
    const cases: [number, number, number, number, number][] = [
      // camera w, h, send w, h, scale
      [128, 72, 32, 18, 4], // HR = camera: the conversion itself
      [192, 108, 32, 18, 4], // HR 128x72 from 192x108: ratio 1.5
      [192, 128, 48, 32, 2], // HR 96x64: ratio 2; LR ratio 4
      [101, 67, 20, 13, 3], // odd sizes, ratios 1.683 / 1.718
      [96, 72, 24, 17, 4], // HR 96x68: width unscaled, height 72 -> 68
      [64, 64, 13, 11, 1], // scale 1: HR = LR
    ];
    cases.forEach(([w, h, sw, sh, scale], n) => {
      const rgba = camera(w, h, n + 1);
      const want = sendPair(rgbaToRgb(rgba, w, h), { scale, sendWidth: sw, sendHeight: sh });
      const got = cameraPair(rgba, w, h, { scale, sendWidth: sw, sendHeight: sh });
      for (const k of ['lr', 'hr'] as const) {
        expect([got[k].width, got[k].height]).toEqual([want[k].width, want[k].height]);
        expect(bits(got[k].data)).toEqual(bits(want[k].data));
      }
    });
  });

  it('refuses a byte count that is not the frame, and an upscale', () => {
    expect(() => cameraPair(new Uint8ClampedArray(10), 4, 4, { scale: 2, sendWidth: 2, sendHeight: 2 })).toThrow(RangeError);
    expect(() => cameraPair(camera(16, 16, 1), 16, 16, { scale: 4, sendWidth: 8, sendHeight: 4 })).toThrow(/32x16 must be a downscale of 16x16/);
  });
});
