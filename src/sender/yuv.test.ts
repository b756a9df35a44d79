import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../adapt/trainingPairs.js';
import { chromaSize, rgbToI420, yuvToRgb } from './yuv.js';

const solid = (r: number, g: number, b: number, w = 4, h = 2): RgbFrame => ({ width: w, height: h, data: Float32Array.from({ length: w * h * 3 }, (_, i) => [r, g, b][i % 3]!) });

function smooth(w: number, h: number): RgbFrame {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 3 * (y * w + x);
      data[o] = 0.2 + 0.6 * (x / w);
      data[o + 1] = 0.5 + 0.3 * Math.sin(x / 9) * Math.cos(y / 7);
      data[o + 2] = 0.8 - 0.5 * (y / h);
    }
  }
  return { width: w, height: h, data };
}

const planes = (w: number, h: number) => {
  const { cw, ch } = chromaSize(w, h);
  return [{ offset: 0, stride: w }, { offset: w * h, stride: cw }, { offset: w * h + cw * ch, stride: cw }];
};

describe('BT.601 limited-range I420', () => {
  it('gives the standard code values for white, black and the primaries', () => {
    const code = (f: RgbFrame): number[] => {
      const d = rgbToI420(f).data;
      return [d[0]!, d[8]!, d[10]!];
    };
    expect(code(solid(1, 1, 1))).toEqual([235, 128, 128]);
    expect(code(solid(0, 0, 0))).toEqual([16, 128, 128]);
    expect(code(solid(1, 0, 0))).toEqual([81, 90, 240]);
    expect(code(solid(0, 1, 0))).toEqual([145, 54, 34]);
    expect(code(solid(0, 0, 1))).toEqual([41, 240, 110]);
  });

  it('round-trips smooth content within 8-bit and chroma-subsampling error, I420 and NV12 alike, odd sizes included', () => {
    for (const [w, h] of [[48, 32], [37, 21]] as const) {
      const src = smooth(w, h);
      const yuv = rgbToI420(src);
      const { cw, ch } = chromaSize(w, h);
      expect(yuv.data.length).toBe(w * h + 2 * cw * ch);
      const back = yuvToRgb(yuv.data, 'I420', planes(w, h), w, h);
      let mse = 0;
      for (let i = 0; i < src.data.length; i++) mse += (back.data[i]! - src.data[i]!) ** 2;
      expect(-10 * Math.log10(mse / src.data.length)).toBeGreaterThan(38);
      // The same picture as NV12 (U and V interleaved, rows padded to a wider stride) decodes identically.
      const stride = 2 * cw + 6;
      const nv12 = new Uint8Array(w * h + stride * ch);
      nv12.set(yuv.data.subarray(0, w * h));
      for (let y = 0; y < ch; y++) {
        for (let x = 0; x < cw; x++) {
          nv12[w * h + y * stride + 2 * x] = yuv.data[w * h + y * cw + x]!;
          nv12[w * h + y * stride + 2 * x + 1] = yuv.data[w * h + cw * ch + y * cw + x]!;
        }
      }
      expect(Array.from(yuvToRgb(nv12, 'NV12', [{ offset: 0, stride: w }, { offset: w * h, stride }], w, h).data)).toEqual(Array.from(back.data));
    }
    expect(() => yuvToRgb(new Uint8Array(10), 'I420', [{ offset: 0, stride: 2 }], 2, 2)).toThrow(RangeError);
  });
});
