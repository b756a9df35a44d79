import type { RgbImage } from './image.js';

/**
 * SR-paper metrics. Y is BT.601 luma on the [16, 235] scale, computed in float (no rounding), from
 * RGB in [0, 1]: Y = 16 + 65.481 R + 128.553 G + 24.966 B. `border` pixels are cropped on every side
 * before measuring (border = scale in the SR convention).
 */
export function lumaY(img: RgbImage): Float64Array {
  const n = img.width * img.height;
  const y = new Float64Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    y[i] = 16 + 65.481 * (d[i * 3] ?? 0) + 128.553 * (d[i * 3 + 1] ?? 0) + 24.966 * (d[i * 3 + 2] ?? 0);
  }
  return y;
}

function checkPair(a: RgbImage, b: RgbImage, border: number): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`image sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
  if (a.width - 2 * border <= 0 || a.height - 2 * border <= 0) {
    throw new RangeError(`border ${border} leaves nothing of ${a.width}x${a.height}`);
  }
}

function cropPlane(p: Float64Array, w: number, h: number, border: number): Float64Array {
  const cw = w - 2 * border;
  const ch = h - 2 * border;
  const out = new Float64Array(cw * ch);
  for (let y = 0; y < ch; y++) out.set(p.subarray((y + border) * w + border, (y + border) * w + border + cw), y * cw);
  return out;
}

/** PSNR in dB for values on a 0..255 scale; Infinity for identical inputs. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, peak = 255): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

export function psnrY(a: RgbImage, b: RgbImage, border: number): number {
  checkPair(a, b, border);
  return psnr(cropPlane(lumaY(a), a.width, a.height, border), cropPlane(lumaY(b), b.width, b.height, border));
}

export function psnrRgb(a: RgbImage, b: RgbImage, border: number): number {
  checkPair(a, b, border);
  const plane = (img: RgbImage, c: number): Float64Array => {
    const p = new Float64Array(img.width * img.height);
    for (let i = 0; i < p.length; i++) p[i] = (img.data[i * 3 + c] ?? 0) * 255;
    return cropPlane(p, img.width, img.height, border);
  };
  const pa = [0, 1, 2].map((c) => plane(a, c));
  const pb = [0, 1, 2].map((c) => plane(b, c));
  const n = pa[0]?.length ?? 0;
  const fa = new Float64Array(n * 3);
  const fb = new Float64Array(n * 3);
  for (let c = 0; c < 3; c++) {
    fa.set(pa[c] ?? [], c * n);
    fb.set(pb[c] ?? [], c * n);
  }
  return psnr(fa, fb);
}

function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) {
    w[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    s += w[i] ?? 0;
  }
  for (let i = 0; i < size; i++) w[i] = (w[i] ?? 0) / s;
  return w;
}

/** Separable 'valid' filtering with a normalised gaussian (equal to MATLAB filter2 with fspecial). */
function filterValid(p: Float64Array, w: number, h: number, g: Float64Array): Float64Array {
  const k = g.length;
  const ow = w - k + 1;
  const oh = h - k + 1;
  const tmp = new Float64Array(ow * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += (g[i] ?? 0) * (p[y * w + x + i] ?? 0);
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += (g[i] ?? 0) * (tmp[(y + i) * ow + x] ?? 0);
      out[y * ow + x] = s;
    }
  }
  return out;
}

/**
 * Mean SSIM of two planes on a 0..255 scale (Wang et al. 2004: 11x11 gaussian, sigma 1.5,
 * K1 = 0.01, K2 = 0.03, 'valid' window positions only), as the SR papers' MATLAB code does.
 */
export function ssimPlane(a: Float64Array, b: Float64Array, w: number, h: number): number {
  if (w < 11 || h < 11) throw new RangeError(`SSIM needs at least 11x11 pixels, got ${w}x${h}`);
  const g = gaussianWindow(11, 1.5);
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const n = w * h;
  const aa = new Float64Array(n);
  const bb = new Float64Array(n);
  const ab = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    aa[i] = x * x;
    bb[i] = y * y;
    ab[i] = x * y;
  }
  const mu1 = filterValid(a, w, h, g);
  const mu2 = filterValid(b, w, h, g);
  const s11 = filterValid(aa, w, h, g);
  const s22 = filterValid(bb, w, h, g);
  const s12 = filterValid(ab, w, h, g);
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i] ?? 0;
    const m2 = mu2[i] ?? 0;
    const v1 = (s11[i] ?? 0) - m1 * m1;
    const v2 = (s22[i] ?? 0) - m2 * m2;
    const cv = (s12[i] ?? 0) - m1 * m2;
    sum += ((2 * m1 * m2 + c1) * (2 * cv + c2)) / ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2));
  }
  return sum / mu1.length;
}

export function ssimY(a: RgbImage, b: RgbImage, border: number): number {
  checkPair(a, b, border);
  const w = a.width - 2 * border;
  const h = a.height - 2 * border;
  return ssimPlane(cropPlane(lumaY(a), a.width, a.height, border), cropPlane(lumaY(b), b.width, b.height, border), w, h);
}

export interface ImageMetrics {
  readonly psnrY: number;
  readonly ssimY: number;
  readonly psnrRgb: number;
}

export function measure(sr: RgbImage, hr: RgbImage, border: number): ImageMetrics {
  return { psnrY: psnrY(sr, hr, border), ssimY: ssimY(sr, hr, border), psnrRgb: psnrRgb(sr, hr, border) };
}
