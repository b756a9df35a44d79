import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../model/initGeneratorWeights.js';
import { getVariant, VARIANTS } from '../model/variants.js';
import { shapeSize, weightSpecs } from '../model/weightSpec.js';
import { createUpdateBase, type UpdateBase } from './updateBase.js';

export const TINY_DIR = fileURLToPath(new URL('../../models/tiny/', import.meta.url));

/** The shipped tiny model's folded values in spec order, read straight from its shard. */
export async function tinyValues(): Promise<{ values: Float32Array[]; shardSha256: string }> {
  const meta = JSON.parse(await readFile(`${TINY_DIR}swiftsr.json`, 'utf8')) as { shards: { path: string; sha256: string }[] };
  const shard = meta.shards[0];
  if (shard === undefined) throw new Error('models/tiny has no shard');
  const bytes = await readFile(`${TINY_DIR}${shard.path}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  let at = 0;
  const values = weightSpecs(getVariant('tiny').config, { folded: true }).map((s) => {
    const n = shapeSize(s.shape);
    at += n;
    return all.slice(at - n, at);
  });
  return { values, shardSha256: shard.sha256 };
}

/** A base of any variant with seeded values in [-0.5, 0.5]. */
export async function syntheticBase(variant: string, seed: number): Promise<UpdateBase> {
  const info = VARIANTS.get(variant);
  if (info === undefined) throw new Error(`unknown variant ${variant}`);
  const rand = seededRandom(seed);
  const values = weightSpecs(info.config, { folded: true }).map((s) => Float32Array.from({ length: shapeSize(s.shape) }, () => rand() - 0.5));
  return createUpdateBase(variant, values);
}

/** The base's values plus seeded noise of amplitude `amp` (an "adapted" model). */
export function perturb(base: UpdateBase, amp: number, seed: number): Float32Array[] {
  const rand = seededRandom(seed);
  return base.values.map((v) => Float32Array.from(v, (x) => x + amp * (2 * rand() - 1)));
}
