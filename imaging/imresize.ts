import type { RgbImage } from './image.js';

/** Keys' cubic with a = -0.5, as MATLAB's imresize. */
function cubic(x: number): number {
  const ax = Math.abs(x);
  const ax2 = ax * ax;
  const ax3 = ax2 * ax;
  if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
  if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
  return 0;
}

interface Contributions {
  readonly taps: number;
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

/**
 * MATLAB `contributions()`: output pixel u (1-based) samples input x = u/s + 0.5(1 - 1/s); when
 * shrinking (s < 1) the kernel is stretched by 1/s (antialiasing). Out-of-range taps mirror
 * (symmetric padding), weights are normalised to sum 1.
 */
function contributions(inLen: number, outLen: number, scale: number): Contributions {
  const shrink = scale < 1;
  const kernelWidth = shrink ? 4 / scale : 4;
  const taps = Math.ceil(kernelWidth) + 2;
  const index = new Int32Array(outLen * taps);
  const weight = new Float32Array(outLen * taps);
  for (let u = 1; u <= outLen; u++) {
    const x = u / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(x - kernelWidth / 2);
    let sum = 0;
    const w = new Float64Array(taps);
    for (let k = 0; k < taps; k++) {
      const j = left + k;
      const d = x - j;
      w[k] = shrink ? scale * cubic(scale * d) : cubic(d);
      sum += w[k] ?? 0;
    }
    for (let k = 0; k < taps; k++) {
      let j = left + k - 1; // to 0-based
      const period = 2 * inLen;
      j = ((j % period) + period) % period;
      if (j >= inLen) j = period - 1 - j;
      index[(u - 1) * taps + k] = j;
      weight[(u - 1) * taps + k] = (w[k] ?? 0) / sum;
    }
  }
  return { taps, index, weight };
}

function resizeRows(src: Float32Array, w: number, h: number, outH: number, c: Contributions): Float32Array {
  const out = new Float32Array(w * outH * 3);
  const row = w * 3;
  for (let y = 0; y < outH; y++) {
    const o = y * row;
    for (let k = 0; k < c.taps; k++) {
      const wt = c.weight[y * c.taps + k] ?? 0;
      if (wt === 0) continue;
      const s = (c.index[y * c.taps + k] ?? 0) * row;
      for (let i = 0; i < row; i++) out[o + i] = (out[o + i] ?? 0) + wt * (src[s + i] ?? 0);
    }
  }
  return out;
}

function resizeCols(src: Float32Array, w: number, h: number, outW: number, c: Contributions): Float32Array {
  const out = new Float32Array(outW * h * 3);
  for (let y = 0; y < h; y++) {
    const srow = y * w * 3;
    const orow = y * outW * 3;
    for (let x = 0; x < outW; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < c.taps; k++) {
        const wt = c.weight[x * c.taps + k] ?? 0;
        const s = srow + (c.index[x * c.taps + k] ?? 0) * 3;
        r += wt * (src[s] ?? 0);
        g += wt * (src[s + 1] ?? 0);
        b += wt * (src[s + 2] ?? 0);
      }
      out[orow + x * 3] = r;
      out[orow + x * 3 + 1] = g;
      out[orow + x * 3 + 2] = b;
    }
  }
  return out;
}

/**
 * Bicubic resize by `scale` in MATLAB `imresize` convention (antialiased when shrinking), height
 * first like MATLAB for equal scales. Values are not clamped or rounded: callers quantise when they
 * need 8-bit images (see `quantize`).
 */
export function imresize(img: RgbImage, scale: number): RgbImage {
  if (!(scale > 0)) throw new RangeError(`scale must be > 0, got ${scale}`);
  const outW = Math.ceil(img.width * scale);
  const outH = Math.ceil(img.height * scale);
  const rows = resizeRows(img.data, img.width, img.height, outH, contributions(img.height, outH, scale));
  const data = resizeCols(rows, img.width, outH, outW, contributions(img.width, outW, scale));
  return { width: outW, height: outH, data };
}
