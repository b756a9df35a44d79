import { createUpdateBase, type UpdateBase } from '../adapt/updateBase.js';
import { MAX_JSON_BYTES, parseJsonBytes, parseModelJson, parseSwiftSRMeta } from '../model/manifest.js';
import { getVariant } from '../model/variants.js';
import { shapeSize, weightSpecs } from '../model/weightSpec.js';
import { cachedFiles } from './ModelStore.js';
import type { ModelRef } from './protocol.js';

/**
 * The base a model's updates are deltas against, from the bytes its load already read (the worker's file
 * cache: no download, no GPU readback). Null when the model cannot take updates: stored unfolded or in
 * several shards, where the base digest is not its shard's checksum.
 */
export async function loadUpdateBase(model: ModelRef, signal: AbortSignal): Promise<UpdateBase | null> {
  const files = cachedFiles(model.url);
  const meta = parseSwiftSRMeta(parseJsonBytes(await files.read('swiftsr.json', signal, MAX_JSON_BYTES), 'swiftsr.json'));
  const shard = meta.shards[0];
  if (!meta.bnFolded || meta.shards.length !== 1 || shard === undefined) return null;
  const entries = parseModelJson(parseJsonBytes(await files.read('model.json', signal, MAX_JSON_BYTES), 'model.json')).weights;
  const bytes = await files.read(shard.path, signal, shard.bytes);
  const offsets = new Map<string, [number, number]>();
  let at = 0;
  for (const e of entries) {
    const n = shapeSize(e.shape);
    offsets.set(e.name, [at, n]);
    at += 4 * n;
  }
  // Copies: the shard's offsets need not be 4-byte aligned.
  const values = weightSpecs(getVariant(meta.variant).config, { folded: true }).map((s) => {
    const [offset, n] = offsets.get(s.name) ?? [0, 0];
    return new Float32Array(bytes.slice(offset, offset + 4 * n).buffer);
  });
  const base = await createUpdateBase(meta.variant, values);
  return base.digestHex === shard.sha256 ? base : null;
}
