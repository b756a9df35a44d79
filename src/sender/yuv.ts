import type { RgbFrame } from '../adapt/trainingPairs.js';

/**
 * BT.601 limited-range I420, both ways, done here instead of by the browser: a WebRTC receiver treats
 * VP8/VP9/H.264 frames as SMPTE 170M (BT.601), while WebCodecs converts an RGB frame with its own matrix
 * and tags VP8 decodes BT.709, so a browser round trip shifts colours (measured: +1.5..3 levels per
 * channel) that no receiver sees. Converting on both ends with one matrix leaves only the codec's loss.
 * Chroma is the 2x2 mean going in and replicated coming out; odd sizes round the chroma planes up.
 */

const KR = 0.299;
const KB = 0.114;
const KG = 1 - KR - KB;

export interface I420 {
  readonly width: number;
  readonly height: number;
  /** Y (width x height), then U and V (ceil(width / 2) x ceil(height / 2) each). */
  readonly data: Uint8Array<ArrayBuffer>;
}

const clamp8 = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

export function chromaSize(width: number, height: number): { cw: number; ch: number } {
  return { cw: Math.ceil(width / 2), ch: Math.ceil(height / 2) };
}

/** RGB in [0, 1] to I420 bytes. */
export function rgbToI420(frame: RgbFrame): I420 {
  const { width: w, height: h, data: rgb } = frame;
  const { cw, ch } = chromaSize(w, h);
  const out = new Uint8Array(w * h + 2 * cw * ch);
  for (let i = 0; i < w * h; i++) {
    out[i] = clamp8(16 + 219 * (KR * (rgb[3 * i] ?? 0) + KG * (rgb[3 * i + 1] ?? 0) + KB * (rgb[3 * i + 2] ?? 0)));
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const px = 2 * x + dx;
          const py = 2 * y + dy;
          if (px >= w || py >= h) continue;
          const o = 3 * (py * w + px);
          r += rgb[o] ?? 0;
          g += rgb[o + 1] ?? 0;
          b += rgb[o + 2] ?? 0;
          n++;
        }
      }
      const luma = (KR * r + KG * g + KB * b) / n;
      out[w * h + y * cw + x] = clamp8(128 + 224 * ((b / n - luma) / (2 * (1 - KB))));
      out[w * h + cw * ch + y * cw + x] = clamp8(128 + 224 * ((r / n - luma) / (2 * (1 - KR))));
    }
  }
  return { width: w, height: h, data: out };
}

/** Planes of a decoded frame: offsets and strides as VideoFrame.copyTo() reports them. */
export interface PlaneLayoutLike {
  readonly offset: number;
  readonly stride: number;
}

/**
 * I420 or NV12 bytes (as VideoFrame.copyTo gives them, with its plane layout) to RGB in [0, 1].
 * NV12's second plane interleaves U and V.
 */
export function yuvToRgb(bytes: Uint8Array, format: 'I420' | 'NV12', layout: readonly PlaneLayoutLike[], width: number, height: number): RgbFrame {
  const [yp, up, vp] = layout;
  if (yp === undefined || up === undefined || (format === 'I420' && vp === undefined)) throw new RangeError(`yuvToRgb: ${layout.length} planes for ${format}`);
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cx = x >> 1;
      const cy = y >> 1;
      const yy = ((bytes[yp.offset + y * yp.stride + x] ?? 16) - 16) / 219;
      const u = format === 'I420' ? bytes[up.offset + cy * up.stride + cx] ?? 128 : bytes[up.offset + cy * up.stride + 2 * cx] ?? 128;
      const v = format === 'I420' ? bytes[(vp as PlaneLayoutLike).offset + cy * (vp as PlaneLayoutLike).stride + cx] ?? 128 : bytes[up.offset + cy * up.stride + 2 * cx + 1] ?? 128;
      const pb = (u - 128) / 224;
      const pr = (v - 128) / 224;
      const r = yy + 2 * (1 - KR) * pr;
      const b = yy + 2 * (1 - KB) * pb;
      const g = (yy - KR * r - KB * b) / KG;
      const o = 3 * (y * width + x);
      data[o] = Math.min(1, Math.max(0, r));
      data[o + 1] = Math.min(1, Math.max(0, g));
      data[o + 2] = Math.min(1, Math.max(0, b));
    }
  }
  return { width, height, data };
}
