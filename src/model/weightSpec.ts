import type { GeneratorConfig } from './types.js';

/**
 * One separable-conv unit of the architecture: depthwise kxk then pointwise 1x1, optionally followed by
 * BatchNorm, optionally by a per-channel PReLU. `shuffle` > 1 means a pixel shuffle sits between the
 * pointwise conv and the PReLU (upsample blocks) or ends the unit (ESPCN tail).
 */
export interface SepConvUnit {
  /** State-dict prefix of the SeperableConv2d module, e.g. 'residual.3.block1.cnn'. */
  readonly conv: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  /** Whether depthwise and pointwise convs carry a bias (the reference drops both when BN follows). */
  readonly bias: boolean;
  /** State-dict prefix of the BatchNorm2d, or null. */
  readonly bn: string | null;
  /** State-dict key of the PReLU weight, or null (also null for the reference's unused PReLUs). */
  readonly prelu: string | null;
  readonly shuffle: number;
}

/** The layers of the generator in forward order, with the reference's (and the authors') state-dict names. */
export interface ArchitecturePlan {
  readonly initial: SepConvUnit;
  readonly residual: readonly { readonly block1: SepConvUnit; readonly block2: SepConvUnit }[];
  readonly convblock: SepConvUnit;
  readonly upsampler: readonly SepConvUnit[];
  readonly final: SepConvUnit;
}

export function validateConfig(config: GeneratorConfig): void {
  if (config.scale !== 2 && config.scale !== 3 && config.scale !== 4) throw new RangeError(`scale must be 2, 3 or 4, got ${String(config.scale)}`);
  if (!Number.isInteger(config.channels) || config.channels < 1 || config.channels > 512) {
    throw new RangeError(`channels must be an integer in [1, 512], got ${String(config.channels)}`);
  }
  if (!Number.isInteger(config.blocks) || config.blocks < 0 || config.blocks > 64) {
    throw new RangeError(`blocks must be an integer in [0, 64], got ${String(config.blocks)}`);
  }
  if (!['none', 'bilinear', 'nearest'].includes(config.skip)) {
    throw new RangeError(`skip must be 'none', 'bilinear' or 'nearest', got ${String(config.skip)}`);
  }
  if (!['paper', 'espcn'].includes(config.tail)) throw new RangeError(`tail must be 'paper' or 'espcn', got ${String(config.tail)}`);
  // The paper tail upsamples in x2 stages; only the ESPCN tail's single pixel shuffle can do 3x.
  if (config.scale === 3 && config.tail !== 'espcn') throw new RangeError(`scale 3 needs tail 'espcn' (the paper tail is x2/x4 only)`);
}

export function architecturePlan(config: GeneratorConfig): ArchitecturePlan {
  validateConfig(config);
  const c = config.channels;
  const unit = (conv: string, inChannels: number, outChannels: number, kernel: number, rest: Partial<SepConvUnit>): SepConvUnit => ({
    conv, inChannels, outChannels, kernel, bias: true, bn: null, prelu: null, shuffle: 1, ...rest,
  });
  const bnUnit = (prefix: string, act: boolean): SepConvUnit =>
    unit(`${prefix}.cnn`, c, c, 3, { bias: false, bn: `${prefix}.bn`, prelu: act ? `${prefix}.act.weight` : null });
  const residual = Array.from({ length: config.blocks }, (_, i) => ({
    block1: bnUnit(`residual.${i}.block1`, true),
    block2: bnUnit(`residual.${i}.block2`, false),
  }));
  // log2(scale) x2 stages; the authors' code builds scale//2, which only agrees for 2x and 4x.
  const stages = Math.log2(config.scale);
  const upsampler = config.tail === 'paper'
    ? Array.from({ length: stages }, (_, i) => unit(`upsampler.${i}.conv`, c, 4 * c, 3, { prelu: `upsampler.${i}.act.weight`, shuffle: 2 }))
    : [];
  const final = config.tail === 'paper'
    ? unit('final_conv', c, 3, 9, {})
    : unit('final_conv', c, 3 * config.scale * config.scale, 3, { shuffle: config.scale });
  return {
    initial: unit('initial.cnn', 3, c, 9, { prelu: 'initial.act.weight' }),
    residual,
    convblock: bnUnit('convblock', false),
    upsampler,
    final,
  };
}

export function planUnits(plan: ArchitecturePlan): SepConvUnit[] {
  return [plan.initial, ...plan.residual.flatMap((r) => [r.block1, r.block2]), plan.convblock, ...plan.upsampler, plan.final];
}

/** Number of values in a tensor of this shape (1 for a scalar []). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export interface WeightSpec {
  readonly name: string;
  /** TF.js layout: depthwise [k, k, C, 1], pointwise [1, 1, in, out], vectors [C]. */
  readonly shape: readonly number[];
}

/**
 * The tensors a weights Map must hold, in forward order. Folded form: no BN tensors, no depthwise biases
 * (they are folded into the pointwise bias, which every unit then has).
 */
export function weightSpecs(config: GeneratorConfig, opts: { folded: boolean }): WeightSpec[] {
  const specs: WeightSpec[] = [];
  for (const u of planUnits(architecturePlan(config))) {
    specs.push({ name: `${u.conv}.depthwise.weight`, shape: [u.kernel, u.kernel, u.inChannels, 1] });
    if (u.bias && !opts.folded) specs.push({ name: `${u.conv}.depthwise.bias`, shape: [u.inChannels] });
    specs.push({ name: `${u.conv}.pointwise.weight`, shape: [1, 1, u.inChannels, u.outChannels] });
    if (u.bias || opts.folded) specs.push({ name: `${u.conv}.pointwise.bias`, shape: [u.outChannels] });
    if (u.bn !== null && !opts.folded) {
      for (const p of ['weight', 'bias', 'running_mean', 'running_var']) specs.push({ name: `${u.bn}.${p}`, shape: [u.outChannels] });
    }
    if (u.prelu !== null) specs.push({ name: u.prelu, shape: [u.outChannels / (u.shuffle * u.shuffle)] });
  }
  return specs;
}

/** BN running statistics are buffers, not trainable parameters. */
export function isBuffer(name: string): boolean {
  return name.endsWith('.running_mean') || name.endsWith('.running_var');
}
