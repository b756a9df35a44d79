import type { GeneratorConfig } from './types.js';
import { architecturePlan, isBuffer, planUnits, shapeSize, weightSpecs } from './weightSpec.js';

export interface VariantInfo {
  readonly name: string;
  readonly config: GeneratorConfig;
  readonly description: string;
}

const v = (name: string, config: GeneratorConfig, description: string): [string, VariantInfo] => [name, { name, config, description }];

/**
 * Named architectures. `paper` is the exact SwiftSRGAN generator; the others add a bilinear global skip
 * (trainable from scratch on CPU) and, below 64x16, the ESPCN tail: the paper's 9x9 depthwise conv at
 * output resolution costs more than every other layer together.
 */
export const VARIANTS: ReadonlyMap<string, VariantInfo> = new Map([
  v('paper', { scale: 4, channels: 64, blocks: 16, skip: 'none', tail: 'paper' }, 'SwiftSRGAN 4x exactly as published'),
  v('paper-skip', { scale: 4, channels: 64, blocks: 16, skip: 'bilinear', tail: 'paper' }, 'paper 4x plus a bilinear global skip'),
  v('lite48x8', { scale: 4, channels: 48, blocks: 8, skip: 'bilinear', tail: 'espcn' }, '48 channels, 8 blocks, ESPCN tail'),
  v('lite32x4', { scale: 4, channels: 32, blocks: 4, skip: 'bilinear', tail: 'espcn' }, '32 channels, 4 blocks, ESPCN tail'),
  v('tiny', { scale: 4, channels: 16, blocks: 2, skip: 'bilinear', tail: 'espcn' }, 'CPU fallback and browser tests'),
  v('paper-x2', { scale: 2, channels: 64, blocks: 16, skip: 'none', tail: 'paper' }, 'SwiftSRGAN 2x exactly as published'),
  v('paper-skip-x2', { scale: 2, channels: 64, blocks: 16, skip: 'bilinear', tail: 'paper' }, 'paper 2x plus a bilinear global skip'),
  v('lite48x8-x2', { scale: 2, channels: 48, blocks: 8, skip: 'bilinear', tail: 'espcn' }, '2x, 48 channels, 8 blocks, ESPCN tail'),
  v('lite32x4-x2', { scale: 2, channels: 32, blocks: 4, skip: 'bilinear', tail: 'espcn' }, '2x, 32 channels, 4 blocks, ESPCN tail'),
  v('tiny-x2', { scale: 2, channels: 16, blocks: 2, skip: 'bilinear', tail: 'espcn' }, '2x CPU fallback and browser tests'),
  v('lite48x8-x3', { scale: 3, channels: 48, blocks: 8, skip: 'bilinear', tail: 'espcn' }, '3x, 48 channels, 8 blocks, ESPCN tail'),
  v('lite32x4-x3', { scale: 3, channels: 32, blocks: 4, skip: 'bilinear', tail: 'espcn' }, '3x, 32 channels, 4 blocks, ESPCN tail'),
  v('tiny-x3', { scale: 3, channels: 16, blocks: 2, skip: 'bilinear', tail: 'espcn' }, '3x CPU fallback'),
]);

/** Throws a RangeError listing the known names. */
export function getVariant(name: string): VariantInfo {
  const info = VARIANTS.get(name);
  if (info === undefined) throw new RangeError(`unknown variant '${name}'; known: ${[...VARIANTS.keys()].join(', ')}`);
  return info;
}

export function sameConfig(a: GeneratorConfig, b: GeneratorConfig): boolean {
  return a.scale === b.scale && a.channels === b.channels && a.blocks === b.blocks && a.skip === b.skip && a.tail === b.tail;
}

/**
 * Trainable parameters (BN running statistics and num_batches_tracked excluded). By default only those the
 * forward pass uses. The authors' ConvBlock builds a PReLU even when it never applies it (second conv of
 * every residual block, and the conv after the blocks); `includeUnusedPrelu` adds those C weights per such
 * block, which is what PyTorch's `sum(p.numel() for p in model.parameters())` reports.
 */
export function countParams(config: GeneratorConfig, opts: { includeUnusedPrelu?: boolean } = {}): number {
  let n = 0;
  for (const s of weightSpecs(config, { folded: false })) {
    if (!isBuffer(s.name)) n += shapeSize(s.shape);
  }
  if (opts.includeUnusedPrelu === true) n += (config.blocks + 1) * config.channels;
  return n;
}

/**
 * Multiply-accumulates of the convolutions for one input frame of width x height (depthwise k*k*C and
 * pointwise Cin*Cout per pixel at the resolution the layer runs at). Bias, BN, PReLU, pixel shuffle, tanh and
 * the skip upsampling are not counted: they are O(1) per element.
 */
export function countMacs(config: GeneratorConfig, width: number, height: number): number {
  let pixels = width * height;
  let total = 0;
  const plan = architecturePlan(config);
  for (const u of planUnits(plan)) {
    total += pixels * (u.kernel * u.kernel * u.inChannels + u.inChannels * u.outChannels);
    // Upsample blocks leave the next layer at twice the resolution; the ESPCN tail is the last layer.
    if (plan.upsampler.includes(u)) pixels *= u.shuffle * u.shuffle;
  }
  return total;
}

export interface VariantSummary {
  readonly name: string;
  readonly config: GeneratorConfig;
  readonly params: number;
  readonly paramsWithUnusedPrelu: number;
  /** Conv MACs for one input frame of the given size (default 480x270, the 270p stream). */
  readonly macs: number;
}

/** One row per registered variant, for tables in READMEs and benchmark reports. */
export function variantSummaries(width = 480, height = 270): VariantSummary[] {
  return [...VARIANTS.values()].map(({ name, config }) => ({
    name, config, params: countParams(config), paramsWithUnusedPrelu: countParams(config, { includeUnusedPrelu: true }), macs: countMacs(config, width, height),
  }));
}
