import { updateBaseFromFiles, type UpdateBase } from '../adapt/updateBase.js';
import { cachedFiles } from './ModelStore.js';
import type { ModelRef } from './protocol.js';

/**
 * The base a model's updates are deltas against, from the bytes its load already read (the worker's file
 * cache: no download, no GPU readback). Null when the model cannot take updates: stored unfolded or in
 * several shards, where the base digest is not its shard's checksum.
 */
export function loadUpdateBase(model: ModelRef, signal: AbortSignal): Promise<UpdateBase | null> {
  return updateBaseFromFiles(cachedFiles(model.url), { signal });
}
