import { crop, fromBytes, quantize, type RgbImage } from '../imaging/image.js';
import { imresize } from '../imaging/imresize.js';
import { planScale, type ModelScale } from '../src/model/scalePlan.js';
import type { FrameUpscaler } from './nodeUpscalers.js';
import type { NativeFrame } from './webrtcCurve.js';

/**
 * Curves E and F: a browser call at whatever resolution the encoder sends, upscaled on receipt by SwiftSR's
 * per-scale models, with the model scale chosen by `planScale` (src/model/scalePlan.ts), the SDK's policy.
 */

/** One model per scale (a family such as tiny, tiny-x2, tiny-x3), or none: plain bicubic at every size. */
export interface ScaleLadder {
  readonly name: string;
  readonly models: ReadonlyMap<ModelScale, FrameUpscaler>;
}

export function scaleLadder(name: string, upscalers: readonly FrameUpscaler[]): ScaleLadder {
  const models = new Map<ModelScale, FrameUpscaler>();
  for (const u of upscalers) {
    if (u.scale !== 2 && u.scale !== 3 && u.scale !== 4) throw new RangeError(`ladder '${name}': ${u.name} has scale ${u.scale}; model scales are 2, 3 and 4`);
    const taken = models.get(u.scale);
    if (taken !== undefined) throw new RangeError(`ladder '${name}': ${taken.name} and ${u.name} are both ${u.scale}x; give one model per scale`);
    models.set(u.scale, u);
  }
  return { name, models };
}

/**
 * MATLAB-style bicubic (antialiased when shrinking) to exactly `w`x`h`: one scale for both axes, the one that
 * covers the target, then the excess cropped at the right and bottom (only for inputs off the 16:9 grid).
 */
export function resizeTo(img: RgbImage, w: number, h: number): RgbImage {
  if (img.width === w && img.height === h) return img;
  const r = imresize(img, Math.max(w / img.width, h / img.height));
  return crop(r, 0, 0, w, h);
}

export interface AdaptiveFrame {
  readonly image: RgbImage;
  readonly modelScale: ModelScale | null;
  readonly ratio: number;
}

/** What the receiver does with one frame: the planned model scale (if any), then a resample to the output. */
export function upscaleToOutput(lr: RgbImage, outW: number, outH: number, ladder: ScaleLadder): AdaptiveFrame {
  const plan = planScale(lr.width, lr.height, outW, outH, [...ladder.models.keys()]);
  const model = plan.modelScale === null ? undefined : ladder.models.get(plan.modelScale);
  const up = model === undefined ? lr : model.upscale(lr);
  const image = up.width === outW && up.height === outH ? up : quantize(resizeTo(up, outW, outH));
  return { image, modelScale: plan.modelScale, ratio: plan.ratio };
}

/** Frame heights a resolution cap steps through (the sizes libwebrtc's adaptation lands on), largest first. */
export const CAP_HEIGHTS = [2160, 1440, 1080, 720, 540, 360, 270, 180] as const;

/**
 * Curve F's cap: one step below the height the browser chose at this rate, as `scaleResolutionDownBy` of the
 * source; null when there is no lower step (libwebrtc does not send below 180 rows).
 */
export function capOneStepLower(chosenHeight: number, sourceHeight: number): number | null {
  const step = CAP_HEIGHTS.find((h) => h < chosenHeight * 0.97 && h < sourceHeight);
  return step === undefined ? null : sourceHeight / step;
}

/** Rows of a frame `height` high that hold the barcode, from its block side at the source height (plus a margin for the encoder's scaling). */
export function nativeBarcodeRows(block: number, height: number, sourceHeight: number): number {
  return Math.min(height - 1, Math.ceil((block * height) / sourceHeight) + 2);
}

export interface AdaptiveScore {
  readonly psnrY: number;
  readonly ssimY: number;
  readonly vmaf?: number;
  readonly frames: number;
}

export interface AdaptivePointInfo {
  /** Arriving frame sizes over the scored frames, e.g. { "640x360": 3, "480x270": 1 }. */
  readonly arrived: Record<string, number>;
  /** The most frequent arriving height (the point's resolution for the goal check). */
  readonly arrivedHeight: number;
}

export interface LadderScore extends AdaptiveScore {
  /** Model scales used over the scored frames ("x2", "x3", "x4", "none"). */
  readonly modelScales: Record<string, number>;
}

const count = (keys: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
};

/**
 * Upscales every native frame of one call point to `outW`x`outH` with each ladder and scores it. `hide` clears
 * the barcode rows of a native frame before upscaling (they are not scored, but would smear upwards).
 */
export async function scoreAdaptive(
  native: ReadonlyMap<number, NativeFrame>, outW: number, outH: number, ladders: readonly ScaleLadder[],
  hide: (img: RgbImage) => RgbImage, score: (frames: ReadonlyMap<number, RgbImage>) => Promise<AdaptiveScore>,
): Promise<{ info: AdaptivePointInfo; scores: Map<string, LadderScore> } | null> {
  if (native.size === 0) return null;
  const lr = new Map([...native].map(([i, f]) => [i, hide(fromBytes(f.width, f.height, f.rgb))]));
  const sizes = [...native.values()].map((f) => `${f.width}x${f.height}`);
  const heights = count([...native.values()].map((f) => String(f.height)));
  const arrivedHeight = Number(Object.entries(heights).sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))[0]?.[0]);
  const scores = new Map<string, LadderScore>();
  for (const ladder of ladders) {
    const out = new Map<number, RgbImage>();
    const used: string[] = [];
    for (const [i, f] of lr) {
      const r = upscaleToOutput(f, outW, outH, ladder);
      out.set(i, r.image);
      used.push(r.modelScale === null ? 'none' : `x${r.modelScale}`);
    }
    scores.set(ladder.name, { ...(await score(out)), modelScales: count(used) });
  }
  return { info: { arrived: count(sizes), arrivedHeight }, scores };
}
