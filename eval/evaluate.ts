import * as tf from '@tensorflow/tfjs-core';
import { loadPair } from '../imaging/imageSet.js';
import { quantize, type RgbImage } from '../imaging/image.js';
import { imresize } from '../imaging/imresize.js';
import { measure, type ImageMetrics } from '../imaging/metrics.js';

export type Upscaler = (x: tf.Tensor4D) => tf.Tensor4D;

/** Runs the model on one LR image; the result is rounded to 8 bit like a saved PNG. */
export function superResolve(up: Upscaler, lr: RgbImage): RgbImage {
  const out = tf.tidy(() => {
    const x = tf.tensor4d(lr.data, [1, lr.height, lr.width, 3]);
    return tf.clipByValue(up(x), 0, 1);
  });
  const data = out.dataSync() as Float32Array;
  const [, h, w] = out.shape;
  out.dispose();
  return quantize({ width: w, height: h, data: Float32Array.from(data) });
}

export interface ImageResult {
  readonly image: string;
  readonly width: number;
  readonly height: number;
  readonly model: ImageMetrics;
  readonly bicubic: ImageMetrics;
}

export interface EvalSummary {
  readonly images: number;
  readonly model: ImageMetrics;
  readonly bicubic: ImageMetrics;
}

export function mean(rows: readonly ImageMetrics[]): ImageMetrics {
  const n = Math.max(1, rows.length);
  const avg = (k: keyof ImageMetrics): number => rows.reduce((s, r) => s + r[k], 0) / n;
  return { psnrY: avg('psnrY'), ssimY: avg('ssimY'), psnrRgb: avg('psnrRgb') };
}

/**
 * SR-paper protocol: HR modcropped to the scale, LR by MATLAB-bicubic downscaling (8 bit), metrics on
 * BT.601 Y with `scale` border pixels cropped; bicubic = MATLAB-bicubic upscaling of the same LR.
 */
export async function evaluateImages(
  up: Upscaler,
  files: readonly string[],
  scale: number,
  onImage?: (r: ImageResult) => void,
  degrade?: (lr: RgbImage) => Promise<RgbImage>,
): Promise<{ perImage: ImageResult[]; mean: EvalSummary }> {
  const perImage: ImageResult[] = [];
  for (const f of files) {
    const pair = await loadPair(f, scale);
    const hr = pair.hr;
    // A degraded LR (codec) feeds both the model and bicubic; the target stays the clean HR.
    const lr = degrade === undefined ? pair.lr : await degrade(pair.lr);
    const sr = superResolve(up, lr);
    const bic = quantize(imresize(lr, scale));
    const r: ImageResult = { image: f, width: hr.width, height: hr.height, model: measure(sr, hr, scale), bicubic: measure(bic, hr, scale) };
    perImage.push(r);
    onImage?.(r);
  }
  return { perImage, mean: { images: perImage.length, model: mean(perImage.map((r) => r.model)), bicubic: mean(perImage.map((r) => r.bicubic)) } };
}
