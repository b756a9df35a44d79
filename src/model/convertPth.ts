import { ModelLoadError } from './ModelLoadError.js';
import { findStateDict, readPth } from './pth/readPth.js';
import { importTorchStateDict, inferTorchConfig, isIgnoredTorchKey, stripModulePrefix } from './pytorchLayout.js';
import type { GeneratorConfig, GeneratorWeights } from './types.js';
import { sameConfig, VARIANTS, getVariant } from './variants.js';
import { checkWeightValues } from './weightValues.js';

export interface ConvertedPth {
  readonly variant: string;
  readonly config: GeneratorConfig;
  /** Training form (BN unfolded), TF.js layouts. The caller owns and disposes them. */
  readonly weights: GeneratorWeights;
}

/**
 * A torch.save checkpoint (plain state dict or {'model': state_dict, ...}, e.g. the authors'
 * swift_srgan_4x.pth.tar) as TF.js weights of a registered variant. Without `variant`, the registry entry
 * whose architecture the tensors describe (skip 'none', as in the authors' checkpoints) is used.
 * A malformed or hostile file throws PthFormatError (see pth/readPth.ts); NaN/Infinity in a tensor the
 * architecture uses throws ModelLoadError 'non-finite-weights'.
 */
export async function convertPth(bytes: Uint8Array, opts: { variant?: string } = {}): Promise<ConvertedPth> {
  const stateDict = stripModulePrefix(findStateDict(await readPth(bytes)));
  let variant: string;
  let config: GeneratorConfig;
  if (opts.variant !== undefined) {
    const info = VARIANTS.get(opts.variant);
    if (info === undefined) throw new ModelLoadError('unknown-variant', `unknown variant '${opts.variant}'; known: ${[...VARIANTS.keys()].join(', ')}`);
    const found = inferTorchConfig(stateDict, info.config.skip);
    if (!sameConfig(found, info.config)) {
      throw new ModelLoadError('shape-mismatch', `the checkpoint is ${describe(found)}, variant '${opts.variant}' is ${describe(info.config)}`);
    }
    ({ name: variant, config } = info);
  } else {
    // The skip mode leaves no tensors: prefer the variant without one (the authors'), else the only match.
    const found = inferTorchConfig(stateDict, 'none');
    const matches = [...VARIANTS.values()].filter((v) => sameConfig(v.config, { ...found, skip: v.config.skip }));
    const match = matches.find((v) => v.config.skip === 'none') ?? (matches.length === 1 ? matches[0] : undefined);
    if (match === undefined) {
      throw new ModelLoadError('unknown-variant', matches.length === 0
        ? `no registered variant is ${describe(found)}; pass one with --variant`
        : `the checkpoint fits ${matches.map((m) => m.name).join(', ')}; pick one with --variant`);
    }
    ({ name: variant, config } = getVariant(match.name));
  }
  for (const [name, t] of stateDict) if (t.data !== null && !isIgnoredTorchKey(name)) checkWeightValues(name, t.data);
  return { variant, config, weights: importTorchStateDict(config, stateDict) };
}

function describe(c: GeneratorConfig): string {
  return `${c.channels} channels x ${c.blocks} blocks, ${c.scale}x, ${c.tail} tail`;
}
