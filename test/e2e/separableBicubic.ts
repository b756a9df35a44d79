import type { RgbImage } from '../browser/fixtures.js';

function keys(x: number): number {
  const a = Math.abs(x);
  if (a <= 1) return (1.5 * a - 2.5) * a * a + 1;
  if (a < 2) return ((-0.5 * a + 2.5) * a - 4) * a + 2;
  return 0;
}

/** For each output index: the 4 clamped source indices and their Keys weights (pixel-centre aligned). */
function taps(inSize: number, outSize: number): { idx: Int32Array; w: Float64Array } {
  const idx = new Int32Array(outSize * 4);
  const w = new Float64Array(outSize * 4);
  for (let o = 0; o < outSize; o++) {
    const s = ((o + 0.5) * inSize) / outSize - 0.5;
    const f = Math.floor(s);
    for (let k = 0; k < 4; k++) {
      idx[o * 4 + k] = Math.min(inSize - 1, Math.max(0, f + k - 1));
      w[o * 4 + k] = keys(k - 1 - (s - f));
    }
  }
  return { idx, w };
}

/**
 * The fixtures' bicubic reference (Keys a = -0.5, clamped edges, pixel-centre alignment) computed as two
 * 1-D passes: the same numbers up to float rounding, ~30x faster at 1080p, which matters on 2 busy cores.
 */
export function separableBicubic(input: RgbImage, width: number, height: number): RgbImage {
  const tx = taps(input.width, width);
  const ty = taps(input.height, height);
  const mid = new Float64Array(input.height * width * 3);
  for (let y = 0; y < input.height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) acc += (tx.w[x * 4 + k] as number) * (input.data[(y * input.width + (tx.idx[x * 4 + k] as number)) * 3 + c] as number);
        mid[(y * width + x) * 3 + c] = acc;
      }
    }
  }
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) acc += (ty.w[y * 4 + k] as number) * (mid[((ty.idx[y * 4 + k] as number) * width + x) * 3 + c] as number);
        data[(y * width + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return { width, height, data };
}
