import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogEntryFromMeta, INDEX_FILE, makeCatalog, serializeCatalog, type ModelCatalog } from '../src/model/catalog.js';
import { parseSwiftSRMeta } from '../src/model/manifest.js';

/**
 * `npm run models:index [folder]`: rebuilds <folder>/index.json (default models/) from every
 * <folder>/<name>/swiftsr.json. Deterministic, so a committed index can be compared with a fresh build.
 */
export function buildModelIndex(dir: string): ModelCatalog {
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'swiftsr.json')))
    .map((d) => {
      if (!existsSync(join(dir, d.name, 'model.json'))) throw new Error(`${join(dir, d.name)} has swiftsr.json but no model.json`);
      const meta = parseSwiftSRMeta(JSON.parse(readFileSync(join(dir, d.name, 'swiftsr.json'), 'utf8')));
      return catalogEntryFromMeta(d.name, meta);
    });
  return makeCatalog(entries);
}

export function writeModelIndex(dir: string): ModelCatalog {
  const catalog = buildModelIndex(dir);
  writeFileSync(join(dir, INDEX_FILE), serializeCatalog(catalog));
  return catalog;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../models/', import.meta.url));
  const c = writeModelIndex(dir);
  console.log(`${join(dir, INDEX_FILE)}: ${c.models.map((m) => `${m.name} (x${m.scale} ${m.tier}, ${m.macsPerOutputMegapixel} MAC/out-MP)`).join(', ')}`);
}
