import type { GeneratorConfig } from './config.js';

export type ModelScale = GeneratorConfig['scale'];

/** How one input frame size reaches the painted size: which model scale runs, and whether a resample follows. */
export interface ScalePlan {
  /** Painted size over input size (aspect-preserving fit: the smaller of the two axis ratios). */
  readonly ratio: number;
  /** The model scale to run; null: no model (ratio below `minRatio`, or no model scale available). */
  readonly modelScale: ModelScale | null;
  /** True when the model's output (or the input, without a model) still has to be resampled to the painted size. */
  readonly resample: boolean;
}

export interface ScalePlanOptions {
  /** Below this ratio a model is not worth its cost: plain resampling paints. Default 1.3. */
  readonly minRatio?: number;
  /** Ratios within this relative tolerance of a scale count as that scale (1080/360 vs 1078/360). Default 0.01. */
  readonly tolerance?: number;
}

const DEFAULT_MIN_RATIO = 1.3;
const DEFAULT_TOLERANCE = 0.01;

/**
 * Picks the model scale for an input of `inW`x`inH` painted into `outW`x`outH`: the smallest available scale
 * that reaches the ratio (a ratio between scales: the next scale up, then a downsample, which keeps the
 * model's detail instead of stretching it); above the largest scale, the largest then an upsample; below
 * `minRatio`, no model. Pure, so the receiver, the bench and the tests share one policy.
 */
export function planScale(
  inW: number, inH: number, outW: number, outH: number, available: readonly ModelScale[], options: ScalePlanOptions = {},
): ScalePlan {
  for (const [name, v] of [['inW', inW], ['inH', inH], ['outW', outW], ['outH', outH]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
  }
  const minRatio = options.minRatio ?? DEFAULT_MIN_RATIO;
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (!(minRatio >= 1)) throw new RangeError(`minRatio must be >= 1, got ${String(minRatio)}`);
  if (!(tolerance >= 0 && tolerance < 0.5)) throw new RangeError(`tolerance must be in [0, 0.5), got ${String(tolerance)}`);
  const ratio = Math.min(outW / inW, outH / inH);
  const scales = [...new Set(available)].sort((a, b) => a - b);
  const largest = scales[scales.length - 1];
  if (ratio < minRatio || largest === undefined) return { ratio, modelScale: null, resample: Math.abs(ratio - 1) > tolerance };
  const fits = scales.find((s) => s >= ratio * (1 - tolerance));
  const modelScale = fits ?? largest;
  return { ratio, modelScale, resample: Math.abs(modelScale / ratio - 1) > tolerance };
}
