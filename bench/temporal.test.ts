import { describe, expect, it } from 'vitest';
import { flicker, makeLrClip, meanFrameDifference } from './temporal.js';

const flat = (w: number, h: number, v: number) => ({ width: w, height: h, data: new Float32Array(w * h * 3).fill(v) });

describe('temporal stability', () => {
  it('measures luma change between frames on the 0..255 scale', () => {
    // Grey 0.5 -> 0.6: luma moves by 0.1 * (65.481 + 128.553 + 24.966) = 21.9.
    expect(meanFrameDifference([flat(4, 4, 0.5), flat(4, 4, 0.6), flat(4, 4, 0.5)])).toBeCloseTo(21.9, 4);
    expect(() => meanFrameDifference([flat(4, 4, 0)])).toThrow(RangeError);
  });
  it('is zero for an upscaler that reproduces the ground truth and positive for added flicker', () => {
    const gt = [flat(8, 8, 0.5), flat(8, 8, 0.5), flat(8, 8, 0.5)];
    expect(flicker(gt, gt).flickerIndex).toBe(0);
    const noisy = [flat(8, 8, 0.5), flat(8, 8, 0.52), flat(8, 8, 0.5)];
    expect(flicker(noisy, gt).flickerIndex).toBeGreaterThan(4);
  });
  it('makes LR frames by the eval protocol (modcrop, 1/scale)', () => {
    const { hr, lr } = makeLrClip([flat(10, 9, 0.25)], 4);
    expect([hr[0]?.width, hr[0]?.height, lr[0]?.width, lr[0]?.height]).toEqual([8, 8, 2, 2]);
    expect(lr[0]?.data[0]).toBeCloseTo(64 / 255, 6);
  });
});
