import { updateBaseFromFiles, type UpdateBase } from '../adapt/updateBase.js';
import { loadCatalog } from '../model/catalog.js';
import { ModelLoadError } from '../model/ModelLoadError.js';
import { resolveModelFiles } from '../model/modelFiles.js';
import type { SenderWorkerConfig } from './protocol.js';

/**
 * The model receivers paint with, as the base updates are deltas against, read as plain arrays (no
 * tensors). Its digest must be the shipped shard's sha256 (what a receiver checks an update's base against
 * without hashing), so only folded, single-shard models (every shipped one) can be adapted.
 */
export async function loadBase(model: SenderWorkerConfig['model'], signal: AbortSignal): Promise<UpdateBase> {
  let url = model.kind === 'single' ? model.url : '';
  if (model.kind === 'index') {
    const files = resolveModelFiles(model.base, undefined);
    const catalog = await loadCatalog(files, signal);
    const entry = catalog.models.find((m) => m.name === model.name);
    if (entry === undefined) {
      throw new RangeError(`options.model: '${model.name}' is not in ${files.location}index.json (it has ${catalog.models.map((m) => m.name).join(', ') || 'no models'})`);
    }
    url = `${files.location}${entry.path}`;
  }
  const base = await updateBaseFromFiles(url, { signal });
  if (base === null) {
    throw new ModelLoadError('bad-manifest', `${url}: only a folded single-shard model (as shipped), whose folded weights are that shard's bytes in order, can be adapted: receivers check updates against that shard's sha256`);
  }
  return base;
}
