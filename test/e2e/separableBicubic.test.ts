import { describe, expect, it } from 'vitest';
import { bicubicReference, type RgbImage } from '../browser/fixtures.js';
import { separableBicubic } from './separableBicubic.js';

describe('separableBicubic', () => {
  it('matches the 2-D reference within one level on a textured image', () => {
    const w = 24;
    const h = 14;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i / 3) | 0) * 11) % 256;
    const input: RgbImage = { width: w, height: h, data };
    const a = separableBicubic(input, 96, 56);
    const b = bicubicReference(input, 96, 56);
    let maxDiff = 0;
    for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a.data[i] as number) - (b.data[i] as number)));
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(a.data.length).toBe(96 * 56 * 3);
  });

  it('is the identity at the same size, and antialiases a downscale (a 1-pixel stripe pattern averages to grey)', () => {
    const w = 30;
    const h = 20;
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) data.fill(((i % w) % 2) * 200, i * 3, i * 3 + 3);
    const input: RgbImage = { width: w, height: h, data };
    expect(separableBicubic(input, w, h).data).toEqual(data);
    const small = separableBicubic(input, 20, 13);
    // Without antialiasing the 2:3 resample of alternating columns beats into bands of ~0-200.
    const row = Array.from({ length: 16 }, (_, x) => small.data[(6 * 20 + x + 2) * 3] as number);
    for (const v of row) expect(Math.abs(v - 100)).toBeLessThan(25);
  });
});
