import { quantize, type RgbImage } from '../imaging/image.js';
import { imresize } from '../imaging/imresize.js';
import { measure, psnrY } from '../imaging/metrics.js';
import type { CallClip } from '../imaging/callDegrade.js';
import { mean, type EvalSummary, type ImageResult } from './evaluate.js';

export interface CallFrameResult extends ImageResult {
  /** Y-PSNR of the decoded LR against the sender's clean downscale (no border): what the codec took away. */
  readonly lrPsnrY: number;
}

/**
 * Scores one call-degraded clip: the model and MATLAB bicubic both upscale the decoded LR frame, and both are
 * measured against the clean source frame (BT.601 Y, border = scale), like the image-set protocol.
 */
export function evaluateCall(
  upscale: (lr: RgbImage) => RgbImage,
  clip: CallClip,
  scale: number,
  onFrame?: (r: CallFrameResult) => void,
): { perImage: CallFrameResult[]; mean: EvalSummary } {
  const perImage: CallFrameResult[] = [];
  for (const [i, lr] of clip.lr) {
    const hr = clip.hr.get(i);
    const clean = clip.lrClean.get(i);
    if (hr === undefined || clean === undefined) throw new RangeError(`frame ${i} has no clean source frame`);
    const sr = quantize(upscale(lr));
    const bic = quantize(imresize(lr, scale));
    const r: CallFrameResult = { image: `frame ${i}`, width: hr.width, height: hr.height, lrPsnrY: psnrY(lr, clean, 0), model: measure(sr, hr, scale), bicubic: measure(bic, hr, scale) };
    perImage.push(r);
    onFrame?.(r);
  }
  return { perImage, mean: { images: perImage.length, model: mean(perImage.map((r) => r.model)), bicubic: mean(perImage.map((r) => r.bicubic)) } };
}
