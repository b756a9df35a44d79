import * as tf from '@tensorflow/tfjs-core';
import { updateBaseFromWeights, type UpdateBase } from '../adapt/updateBase.js';
import { loadCatalog } from '../model/catalog.js';
import { loadGeneratorWeights } from '../model/loadGenerator.js';
import { ModelLoadError } from '../model/ModelLoadError.js';
import { resolveModelFiles } from '../model/modelFiles.js';
import type { SenderWorkerConfig } from './protocol.js';

/**
 * The model receivers paint with, as the base updates are deltas against. Its digest must be the shipped
 * shard's sha256 (what a receiver checks an update's base against without hashing), so only folded,
 * single-shard models (every shipped one) can be adapted.
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
  const { meta, weights } = await loadGeneratorWeights(url, { signal });
  try {
    if (!meta.bnFolded || meta.shards.length !== 1) {
      throw new ModelLoadError('bad-manifest', `${url}: only a folded single-shard model (as shipped) can be adapted: receivers check updates against that shard's sha256`);
    }
    const base = await updateBaseFromWeights(meta.variant, meta.config, weights);
    if (base.digestHex !== meta.shards[0]?.sha256) throw new ModelLoadError('checksum-mismatch', `${url}: the folded weights' digest differs from the shard's sha256`);
    return base;
  } finally {
    tf.dispose([...weights.values()]);
  }
}
