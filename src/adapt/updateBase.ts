import * as tf from '@tensorflow/tfjs-core';
import { loadWeightValues, type LoadOptions, type ModelSource } from '../model/loadGenerator.js';
import { sha256Hex } from '../model/sha256.js';
import type { GeneratorConfig, GeneratorWeights } from '../model/types.js';
import { VARIANTS } from '../model/variants.js';
import { checkWeightValues } from '../model/weightValues.js';
import { shapeSize, weightSpecs, type WeightSpec } from '../model/weightSpec.js';

/**
 * The shipped model an update is a delta against, as plain arrays (no TF.js tensors: decoding runs anywhere,
 * and nothing a message says can touch GPU memory). `values` are private copies in the folded weightSpecs
 * order; encoding and decoding only ever read them.
 */
export interface UpdateBase {
  readonly variant: string;
  readonly config: GeneratorConfig;
  /** weightSpecs(config, { folded: true }): the order and sizes of the tensors on the wire. */
  readonly specs: readonly WeightSpec[];
  readonly values: readonly Float32Array[];
  /** Total number of weights (sum of the specs' sizes). */
  readonly count: number;
  /**
   * SHA-256 of the folded weights as little-endian float32, concatenated in spec order. For a model saved
   * folded in one shard (every shipped model) this is the shard's `sha256` in swiftsr.json.
   */
  readonly digest: Uint8Array;
  readonly digestHex: string;
}

export const DIGEST_BYTES = 32;

/**
 * What an update's layout depends on: the variant's name, scale and weight shapes, not their values (no
 * digest either): everything a receiver can check before the model is loaded.
 */
export type UpdateShape = Pick<UpdateBase, 'variant' | 'config' | 'specs' | 'count'>;

const shapes = new Map<string, UpdateShape>();

/** The shape of a variant's updates from its architecture alone (null: no such variant). */
export function variantUpdateShape(variant: string): UpdateShape | null {
  const cached = shapes.get(variant);
  if (cached !== undefined) return cached;
  const info = VARIANTS.get(variant);
  if (info === undefined) return null;
  const specs = weightSpecs(info.config, { folded: true });
  const shape: UpdateShape = { variant, config: info.config, specs, count: specs.reduce((n, s) => n + shapeSize(s.shape), 0) };
  shapes.set(variant, shape);
  return shape;
}

/** Little-endian float32 bytes of the tensors, concatenated (the shard layout). */
export function weightBytes(values: readonly Float32Array[]): Uint8Array {
  const total = values.reduce((n, v) => n + v.length, 0);
  const out = new Uint8Array(4 * total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const v of values) {
    for (let i = 0; i < v.length; i++, at += 4) view.setFloat32(at, v[i] ?? 0, true);
  }
  return out;
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

/**
 * Builds the base from folded values in spec order (e.g. a loaded model's weights). Throws TypeError for an
 * unknown variant or wrong sizes, and ModelLoadError('non-finite-weights') for NaN/Inf.
 */
export async function createUpdateBase(variant: string, values: readonly Float32Array[]): Promise<UpdateBase> {
  const shape = variantUpdateShape(variant);
  if (shape === null) throw new TypeError(`createUpdateBase: unknown variant '${variant}'`);
  const { config, specs, count } = shape;
  if (values.length !== specs.length) throw new TypeError(`createUpdateBase: ${values.length} tensors, ${variant} (folded) has ${specs.length}`);
  const copies = specs.map((s, i) => {
    const v = values[i] ?? new Float32Array(0);
    if (v.length !== shapeSize(s.shape)) throw new TypeError(`createUpdateBase: '${s.name}' has ${v.length} values, expected ${shapeSize(s.shape)}`);
    checkWeightValues(s.name, v);
    return Float32Array.from(v);
  });
  const digestHex = await sha256Hex(weightBytes(copies));
  return {
    variant,
    config,
    specs,
    values: copies,
    count,
    digest: hexToBytes(digestHex),
    digestHex,
  };
}

/** Reads folded weights (a Map from loadGeneratorWeights, or a FineTuner's) into spec-ordered arrays. */
export async function foldedValues(config: GeneratorConfig, weights: ReadonlyMap<string, tf.Tensor>): Promise<Float32Array[]> {
  return Promise.all(weightSpecs(config, { folded: true }).map(async (s) => {
    const t = weights.get(s.name);
    if (t === undefined) throw new TypeError(`folded weights lack '${s.name}'`);
    if (t.shape.join() !== s.shape.join()) throw new TypeError(`'${s.name}' has shape [${t.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
    return Float32Array.from(await t.data<'float32'>());
  }));
}

/** The base of a loaded folded model: `createUpdateBase(variant, await foldedValues(config, weights))`. */
export async function updateBaseFromWeights(variant: string, config: GeneratorConfig, weights: GeneratorWeights): Promise<UpdateBase> {
  return createUpdateBase(variant, await foldedValues(config, weights));
}

/**
 * The base of a stored model, read from its files as plain arrays (no tensors, no GPU upload or readback).
 * Null when the model cannot take updates: stored unfolded or in several shards, or its tensors not in the
 * folded spec order, i.e. whenever the base digest would not be its one shard's sha256, which is what
 * receivers check updates against. Load faults throw ModelLoadError as loadGenerator's do.
 */
export async function updateBaseFromFiles(source: ModelSource, opts: LoadOptions = {}): Promise<UpdateBase | null> {
  const { meta, entries, values } = await loadWeightValues(source, opts);
  const shard = meta.shards[0];
  if (!meta.bnFolded || meta.shards.length !== 1 || shard === undefined) return null;
  const index = new Map(entries.map((e, i) => [e.name, i]));
  const ordered = weightSpecs(meta.config, { folded: true }).map((s) => values[index.get(s.name) ?? -1] ?? new Float32Array(0));
  const base = await createUpdateBase(meta.variant, ordered);
  return base.digestHex === shard.sha256 ? base : null;
}

/** Decoded (or adapted) values as a folded weights Map for createGenerator / a FineTuner. The caller owns the tensors. */
export function valuesToWeights(base: Pick<UpdateBase, 'specs'>, values: readonly Float32Array[]): GeneratorWeights {
  if (values.length !== base.specs.length) throw new TypeError(`${values.length} tensors, expected ${base.specs.length}`);
  return new Map(base.specs.map((s, i) => [s.name, tf.tensor(values[i] ?? new Float32Array(0), [...s.shape], 'float32')]));
}
