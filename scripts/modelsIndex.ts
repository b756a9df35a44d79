import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogEntryFromMeta, INDEX_FILE, makeCatalog, serializeCatalog, type ModelCatalog } from '../src/model/catalog.js';
import { parseSwiftSRMeta } from '../src/model/manifest.js';

/**
 * `npm run models:index [folder]`: rebuilds <folder>/index.json (default models/) from every
 * <folder>/<name>/swiftsr.json. Deterministic, so a committed index can be compared with a fresh build.
 */
export function buildModelIndex(dir: string): ModelCatalog {
  // statSync follows links: the browser specs' model folders link to models/<name>.
  const entries = readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'swiftsr.json')))
    .map((name) => {
      if (!existsSync(join(dir, name, 'model.json'))) throw new Error(`${join(dir, name)} has swiftsr.json but no model.json`);
      const meta = parseSwiftSRMeta(JSON.parse(readFileSync(join(dir, name, 'swiftsr.json'), 'utf8')));
      return catalogEntryFromMeta(name, meta);
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
