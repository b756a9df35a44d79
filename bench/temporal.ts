import { modcrop, quantize, type RgbImage } from '../imaging/image.js';
import { imresize } from '../imaging/imresize.js';
import { lumaY } from '../imaging/metrics.js';

/** Mean absolute difference of consecutive frames' BT.601 luma (0..255 scale). */
export function meanFrameDifference(frames: readonly RgbImage[]): number {
  if (frames.length < 2) throw new RangeError(`need at least 2 frames, got ${frames.length}`);
  let sum = 0;
  let prev = lumaY(frames[0] as RgbImage);
  for (const f of frames.slice(1)) {
    const y = lumaY(f);
    if (y.length !== prev.length) throw new RangeError('frames differ in size');
    let s = 0;
    for (let i = 0; i < y.length; i++) s += Math.abs((y[i] ?? 0) - (prev[i] ?? 0));
    sum += s / y.length;
    prev = y;
  }
  return sum / (frames.length - 1);
}

export interface FlickerResult {
  /** Mean |frame_t - frame_t-1| of the upscaled clip minus that of the ground truth; > 0 adds flicker. */
  readonly flickerIndex: number;
  readonly srMeanDiff: number;
  readonly gtMeanDiff: number;
}

/** LR frames made with the eval protocol (modcrop, MATLAB bicubic, 8 bit), so only the upscaler differs. */
export function makeLrClip(hrFrames: readonly RgbImage[], scale: number): { hr: RgbImage[]; lr: RgbImage[] } {
  const hr = hrFrames.map((f) => modcrop(f, scale));
  return { hr, lr: hr.map((f) => quantize(imresize(f, 1 / scale))) };
}

export function flicker(sr: readonly RgbImage[], gt: readonly RgbImage[]): FlickerResult {
  const srMeanDiff = meanFrameDifference(sr);
  const gtMeanDiff = meanFrameDifference(gt);
  return { flickerIndex: srMeanDiff - gtMeanDiff, srMeanDiff, gtMeanDiff };
}
