import { catalogEntryFromMeta, loadCatalog, type CatalogEntry, type ModelCatalog } from '../model/catalog.js';
import { MAX_JSON_BYTES, parseJsonBytes, parseSwiftSRMeta } from '../model/manifest.js';
import { resolveModelFiles } from '../model/modelFiles.js';
import type { ModelFilter, ModelRef, ModelSourceConfig } from './protocol.js';

const refOf = (e: CatalogEntry, location: string): ModelRef => ({
  name: e.name,
  scale: e.scale,
  macsPerOutputMegapixel: e.macsPerOutputMegapixel,
  url: `${location}${e.path}`,
});

/**
 * The catalogue entries the options allow. Without `tiers`, paper-size models are left out unless named:
 * at 20 GMAC per output megapixel they are real-time only on a large GPU, and adaptive tiering starts at
 * the heaviest model. Throws RangeError naming the option when it leaves nothing or names an unknown model.
 */
export function filterCatalog(catalog: ModelCatalog, filter: ModelFilter, location: string): ModelRef[] {
  const known = catalog.models.map((m) => m.name);
  for (const n of filter.names ?? []) {
    if (!known.includes(n)) throw new RangeError(`options.models.names: '${n}' is not in ${location}index.json (it has ${known.join(', ') || 'no models'})`);
  }
  const kept = catalog.models.filter(
    (m) =>
      (filter.names === null || filter.names.includes(m.name)) &&
      (filter.scales === null || filter.scales.includes(m.scale)) &&
      (filter.tiers !== null ? filter.tiers.includes(m.tier) : filter.names !== null || m.tier !== 'paper'),
  );
  if (kept.length === 0) {
    throw new RangeError(`options.models (${JSON.stringify(filter)}) leaves none of the models in ${location}index.json (${known.join(', ') || 'empty'})`);
  }
  return kept.map((m) => refOf(m, location));
}

/** Reads the catalogue (or the one model's swiftsr.json) and returns the models the worker may run. */
export async function loadModelRefs(source: ModelSourceConfig, signal: AbortSignal): Promise<ModelRef[]> {
  if (source.kind === 'index') {
    const files = resolveModelFiles(source.base, undefined);
    return filterCatalog(await loadCatalog(files, signal), source.filter, files.location);
  }
  const files = resolveModelFiles(source.url, undefined);
  const meta = parseSwiftSRMeta(parseJsonBytes(await files.read('swiftsr.json', signal, MAX_JSON_BYTES), `${files.location}swiftsr.json`));
  const entry = catalogEntryFromMeta(meta.variant, meta);
  return [{ ...refOf(entry, files.location), url: source.url }];
}
