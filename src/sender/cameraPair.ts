import { areaRows, areaTaps, type AreaTaps } from '../adapt/areaTaps.js';
import type { RgbFrame } from '../adapt/trainingPairs.js';

/**
 * sendPair(rgbaToRgb(rgba)) without the full-resolution float frame: both area downscales read the RGBA
 * bytes of the camera readback directly. Only the horizontal pass is this file's (it reads bytes); the taps
 * and the vertical pass are areaResize's own (src/adapt/areaTaps.ts). Bit-identical to that chain
 * (cameraPair.test.ts): each output's sum taken in the same order in float64 from the same float32 inputs (a
 * byte's value is UNIT[byte], the float32 that rgbaToRgb stores), rounded to float32 at the same two
 * points. It saves the float conversion of every camera pixel and the copy when HR is the camera size (the
 * conversion is the HR then).
 */

/** byte / 255 as rgbaToRgb stores it (float32). */
const UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** The camera frame as RGB in [0, 1] (rgbaToRgb's values). */
function unitRgb(rgba: Uint8ClampedArray, width: number, height: number): RgbFrame {
  const data = new Float32Array(width * height * 3);
  for (let i = 0, o = 0; o < data.length; i += 4, o += 3) {
    data[o] = UNIT[rgba[i] as number] as number;
    data[o + 1] = UNIT[rgba[i + 1] as number] as number;
    data[o + 2] = UNIT[rgba[i + 2] as number] as number;
  }
  return { width, height, data };
}

/** Horizontal area pass from RGBA bytes: width × rows → cols.count × rows, RGB float32 (areaResize's `mid`). */
function columns(rgba: Uint8ClampedArray, width: number, rows: number, cols: AreaTaps): Float32Array {
  const outWidth = cols.first.length;
  const mid = new Float32Array(outWidth * rows * 3);
  const { first, count, weights, width: tw } = cols;
  for (let y = 0; y < rows; y++) {
    const row = y * width;
    let o = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++, o += 3) {
      const n = count[x] as number;
      const w0 = x * tw;
      let p = (row + (first[x] as number)) * 4;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < n; k++, p += 4) {
        const w = weights[w0 + k] as number;
        r += w * (UNIT[rgba[p] as number] as number);
        g += w * (UNIT[rgba[p + 1] as number] as number);
        b += w * (UNIT[rgba[p + 2] as number] as number);
      }
      mid[o] = r;
      mid[o + 1] = g;
      mid[o + 2] = b;
    }
  }
  return mid;
}

/** The area downscale of the RGBA frame to width × height (a downscale; same-size gives the plain conversion). */
function areaFromRgba(rgba: Uint8ClampedArray, inWidth: number, inHeight: number, width: number, height: number): RgbFrame {
  if (width === inWidth && height === inHeight) return unitRgb(rgba, inWidth, inHeight);
  const mid = columns(rgba, inWidth, inHeight, areaTaps(inWidth, width));
  return { width, height, data: areaRows(mid, width * 3, areaTaps(inHeight, height)) };
}

/**
 * (LR, HR) of one camera readback (RGBA bytes, width × height): HR its area downscale to send × scale, LR
 * to the send size, exactly as sendPair(rgbaToRgb(rgba, width, height), o).
 */
export function cameraPair(rgba: Uint8ClampedArray, width: number, height: number, o: { scale: number; sendWidth: number; sendHeight: number }): { lr: RgbFrame; hr: RgbFrame } {
  if (rgba.length !== width * height * 4) throw new RangeError(`cameraPair: ${rgba.length} bytes for ${width}x${height} RGBA`);
  const hrWidth = o.sendWidth * o.scale;
  const hrHeight = o.sendHeight * o.scale;
  for (const [w, h] of [[hrWidth, hrHeight], [o.sendWidth, o.sendHeight]] as const) {
    if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || w > width || h > height) throw new RangeError(`cameraPair: ${w}x${h} must be a downscale of ${width}x${height}`);
  }
  return { lr: areaFromRgba(rgba, width, height, o.sendWidth, o.sendHeight), hr: areaFromRgba(rgba, width, height, hrWidth, hrHeight) };
}
