import * as tf from '@tensorflow/tfjs-core';
import { ModelLoadError } from './ModelLoadError.js';
import type { GeneratorConfig, GeneratorWeights, SkipMode } from './types.js';
import { architecturePlan, planUnits, weightSpecs, type SepConvUnit } from './weightSpec.js';

/**
 * PyTorch <-> TF.js weight layouts. Names are identical (the reference and the authors' state-dict keys);
 * layouts differ:
 *   depthwise  OIHW [C, 1, k, k]   -> [k, k, C, 1]
 *   pointwise  OIHW [O, I, 1, 1]   -> [1, 1, I, O]
 *   pixel shuffle: PyTorch's PixelShuffle(r) reads output channel c, sub-pixel (i, j) from input channel
 *   c*r*r + i*r + j (NCHW); TF.js depthToSpace reads it from (i*r + j)*C + c (NHWC). So the output channels of
 *   the pointwise conv (weight and bias) feeding a shuffle are permuted: TF channel (i*r + j)*C + c takes
 *   PyTorch channel c*r*r + i*r + j.
 */
export interface TorchLayoutTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | null;
  readonly dtype?: string;
}

/** Keys a state dict may hold that the forward pass never reads. */
export function isIgnoredTorchKey(name: string): boolean {
  return name.endsWith('.num_batches_tracked') || /^residual\.\d+\.block2\.act\.weight$/.test(name) || name === 'convblock.act.weight';
}

/** Checkpoints saved from nn.DataParallel prefix every key with 'module.'; drop it when all keys have it. */
export function stripModulePrefix<T>(stateDict: ReadonlyMap<string, T>): ReadonlyMap<string, T> {
  const keys = [...stateDict.keys()];
  if (keys.length === 0 || !keys.every((k) => k.startsWith('module.'))) return stateDict;
  return new Map([...stateDict].map(([k, v]) => [k.slice('module.'.length), v]));
}

/** For a shuffle of factor r over C output channels: perm[tfChannel] = torchChannel. */
export function shufflePermutation(outChannels: number, r: number): Int32Array {
  const c = outChannels / (r * r);
  const perm = new Int32Array(outChannels);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) for (let ch = 0; ch < c; ch++) perm[(i * r + j) * c + ch] = ch * r * r + i * r + j;
  return perm;
}

function unitOf(units: readonly SepConvUnit[], name: string): SepConvUnit | undefined {
  return units.find((u) => name.startsWith(`${u.conv}.`));
}

const torchShape = (tfShape: readonly number[], kind: 'depthwise' | 'pointwise' | 'vector'): number[] =>
  kind === 'depthwise' ? [tfShape[2] ?? 0, 1, tfShape[0] ?? 0, tfShape[1] ?? 0] : kind === 'pointwise' ? [tfShape[3] ?? 0, tfShape[2] ?? 0, 1, 1] : [...tfShape];

const kindOf = (name: string): 'depthwise' | 'pointwise' | 'vector' =>
  name.endsWith('.depthwise.weight') ? 'depthwise' : name.endsWith('.pointwise.weight') ? 'pointwise' : 'vector';

/** Moves one tensor between layouts; `toTf` picks the direction. Data are flat, row-major. */
function relayout(name: string, tfShape: readonly number[], data: Float32Array, unit: SepConvUnit | undefined, toTf: boolean): Float32Array {
  const out = new Float32Array(data.length);
  const kind = kindOf(name);
  const perm = unit !== undefined && unit.shuffle > 1 && name.startsWith(`${unit.conv}.pointwise.`) ? shufflePermutation(unit.outChannels, unit.shuffle) : null;
  const move = (tfIndex: number, torchIndex: number): void => {
    if (toTf) out[tfIndex] = data[torchIndex] ?? 0;
    else out[torchIndex] = data[tfIndex] ?? 0;
  };
  if (kind === 'depthwise') {
    const [k = 0, , c = 0] = tfShape;
    for (let ch = 0; ch < c; ch++) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) move((y * k + x) * c + ch, ch * k * k + y * k + x);
  } else if (kind === 'pointwise') {
    const [, , inC = 0, outC = 0] = tfShape;
    for (let o = 0; o < outC; o++) for (let i = 0; i < inC; i++) move(i * outC + o, (perm?.[o] ?? o) * inC + i);
  } else {
    for (let o = 0; o < data.length; o++) move(o, perm?.[o] ?? o);
  }
  return out;
}

/**
 * A PyTorch state dict (reference or authors' key names, OIHW layouts) as training-form TF.js weights.
 * Ignores num_batches_tracked and the unused PReLUs; any other unknown key, a missing key, a non-float32
 * dtype or a wrong shape throws a ModelLoadError naming it.
 */
export function importTorchStateDict(config: GeneratorConfig, stateDict: ReadonlyMap<string, TorchLayoutTensor>): GeneratorWeights {
  const units = planUnits(architecturePlan(config));
  const specs = weightSpecs(config, { folded: false });
  const wanted = new Set(specs.map((s) => s.name));
  for (const name of stateDict.keys()) {
    if (!wanted.has(name) && !isIgnoredTorchKey(name)) throw new ModelLoadError('extra-tensor', `state dict has '${name}', which this architecture does not use`);
  }
  const weights: GeneratorWeights = new Map();
  try {
    for (const spec of specs) {
      const t = stateDict.get(spec.name);
      if (t === undefined) throw new ModelLoadError('missing-tensor', `state dict lacks '${spec.name}'`);
      const want = torchShape(spec.shape, kindOf(spec.name));
      if (t.shape.join() !== want.join()) throw new ModelLoadError('shape-mismatch', `'${spec.name}' has shape [${t.shape.join(', ')}], expected [${want.join(', ')}]`);
      if (t.data === null || (t.dtype !== undefined && t.dtype !== 'float32')) {
        throw new ModelLoadError('dtype-mismatch', `'${spec.name}' is ${t.dtype ?? 'not float'}, expected float32`);
      }
      weights.set(spec.name, tf.tensor(relayout(spec.name, spec.shape, t.data, unitOf(units, spec.name), true), [...spec.shape], 'float32'));
    }
  } catch (e) {
    for (const t of weights.values()) t.dispose();
    throw e;
  }
  return weights;
}

/** The inverse of importTorchStateDict (training-form weights to PyTorch layouts and channel order). */
export async function exportTorchStateDict(config: GeneratorConfig, weights: GeneratorWeights): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const units = planUnits(architecturePlan(config));
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const spec of weightSpecs(config, { folded: false })) {
    const t = weights.get(spec.name);
    if (t === undefined) throw new TypeError(`weights lack '${spec.name}'`);
    const data = relayout(spec.name, spec.shape, Float32Array.from(await t.data<'float32'>()), unitOf(units, spec.name), false);
    out.set(spec.name, { shape: torchShape(spec.shape, kindOf(spec.name)), data });
  }
  return out;
}

/**
 * The architecture a state dict describes. The skip mode leaves no weights behind, so it is a parameter
 * ('none' for the authors' checkpoints).
 */
export function inferTorchConfig(stateDict: ReadonlyMap<string, TorchLayoutTensor>, skip: SkipMode = 'none'): GeneratorConfig {
  const first = stateDict.get('initial.cnn.pointwise.weight');
  const last = stateDict.get('final_conv.pointwise.weight');
  if (first === undefined || last === undefined) throw new ModelLoadError('missing-tensor', 'state dict lacks initial.cnn.pointwise.weight or final_conv.pointwise.weight: not a SwiftSRGAN generator');
  const blocks = new Set([...stateDict.keys()].flatMap((k) => /^residual\.(\d+)\./.exec(k)?.[1] ?? [])).size;
  const stages = new Set([...stateDict.keys()].flatMap((k) => /^upsampler\.(\d+)\./.exec(k)?.[1] ?? [])).size;
  const channels = first.shape[0] ?? 0;
  const finalOut = last.shape[0] ?? 0;
  const scale = stages > 0 ? 2 ** stages : Math.round(Math.sqrt(finalOut / 3));
  if (scale !== 2 && scale !== 4 && (scale !== 3 || stages > 0)) {
    throw new ModelLoadError('bad-manifest', `state dict describes a ${scale}x generator; only 2x, 4x and 3x (ESPCN tail) are supported`);
  }
  return { scale, channels, blocks, skip, tail: stages > 0 ? 'paper' : 'espcn' };
}
