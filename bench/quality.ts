import type * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { listImages } from '../imaging/imageSet.js';
import { fromBytes, quantize, type RgbImage } from '../imaging/image.js';
import { imresize } from '../imaging/imresize.js';
import { evaluateImages, superResolve } from '../eval/evaluate.js';
import { psnrY } from '../imaging/metrics.js';
import { decodeRgbFrames, probeVideo } from '../imaging/ffmpeg.js';
import { flicker, makeLrClip, type FlickerResult } from './temporal.js';

export const DATASETS = ['Set5', 'Set14', 'BSD100', 'Urban100'] as const;

/** Anything that maps NHWC RGB [0, 1] to its upscaled version: our Generator, an UpscalerJS model. */
export interface QualityUpscaler {
  readonly name: string;
  readonly kind: 'swiftsr' | 'upscalerjs';
  readonly scale: number;
  /** Sets this upscaler runs on (slow peers are limited to the small sets). */
  readonly sets: readonly string[];
  predict(x: tf.Tensor4D): tf.Tensor4D;
}

export interface QualityRow {
  readonly set: string;
  readonly scale: number;
  readonly upscaler: string;
  readonly kind: 'bicubic' | 'swiftsr' | 'upscalerjs';
  readonly images: number;
  readonly psnrY: number;
  readonly ssimY: number;
  readonly psnrRgb: number;
  readonly secondsPerImage: number;
}

export interface FlickerRow extends FlickerResult {
  readonly upscaler: string;
  readonly psnrY: number;
}

export interface QualityOptions {
  readonly dataRoot: string;
  readonly sets: readonly string[];
  /** Limit per set (smoke runs); undefined = every image. */
  readonly maxImages?: number;
  readonly upscalers: readonly QualityUpscaler[];
  readonly log: (msg: string) => void;
}

/** The eval command's protocol (eval/evaluate.ts): modcrop, MATLAB bicubic LR, Y-PSNR/SSIM with border = scale. */
export async function measureQuality(o: QualityOptions): Promise<QualityRow[]> {
  const rows: QualityRow[] = [];
  const scales = [...new Set(o.upscalers.map((u) => u.scale))].sort();
  for (const set of o.sets) {
    const files = (await listImages([join(o.dataRoot, set)])).slice(0, o.maxImages);
    for (const scale of scales) {
      let bicubicDone = false;
      for (const u of o.upscalers.filter((x) => x.scale === scale && x.sets.includes(set))) {
        const t0 = performance.now();
        const r = await evaluateImages((x) => u.predict(x), files, scale);
        const secondsPerImage = (performance.now() - t0) / 1000 / files.length;
        rows.push({ set, scale, upscaler: u.name, kind: u.kind, images: files.length, ...r.mean.model, secondsPerImage });
        if (!bicubicDone) {
          rows.push({ set, scale, upscaler: 'bicubic', kind: 'bicubic', images: files.length, ...r.mean.bicubic, secondsPerImage: 0 });
          bicubicDone = true;
        }
        o.log(`${set} x${scale} ${u.name}: ${r.mean.model.psnrY.toFixed(2)} dB / ${r.mean.model.ssimY.toFixed(4)} (bicubic ${r.mean.bicubic.psnrY.toFixed(2)}), ${secondsPerImage.toFixed(2)} s/image`);
      }
    }
  }
  return rows;
}

export async function readClip(path: string, frames: number): Promise<RgbImage[]> {
  const info = await probeVideo(path);
  const raw = await decodeRgbFrames(path, info.width, info.height, (i) => i < frames);
  return [...raw.values()].map((b) => fromBytes(info.width, info.height, b));
}

/**
 * Flicker index per upscaler on consecutive frames: how much more the output changes from frame to frame
 * than the ground truth does. Single-image SR has no temporal term, so this is where it can hurt video.
 */
export function measureFlicker(clip: readonly RgbImage[], upscalers: readonly QualityUpscaler[], scale: number): FlickerRow[] {
  const { hr, lr } = makeLrClip(clip, scale);
  const score = (name: string, sr: RgbImage[]): FlickerRow => ({
    upscaler: name,
    ...flicker(sr, hr),
    psnrY: sr.reduce((s, f, i) => s + psnrY(f, hr[i] as RgbImage, scale), 0) / sr.length,
  });
  const rows = [score('bicubic', lr.map((f) => quantize(imresize(f, scale))))];
  for (const u of upscalers.filter((x) => x.scale === scale)) rows.push(score(u.name, lr.map((f) => superResolve((x) => u.predict(x), f))));
  return rows;
}
