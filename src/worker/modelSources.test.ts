import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogEntryFromMeta, makeCatalog, serializeCatalog } from '../model/catalog.js';
import type { SwiftSRMeta } from '../model/manifest.js';
import { saveGenerator } from '../model/saveGenerator.js';
import { randomTestWeights } from '../model/testSupport.js';
import { getVariant } from '../model/variants.js';
import { filterCatalog, loadModelRefs } from './modelSources.js';

const tmp = mkdtempSync(join(tmpdir(), 'swiftsr-sources-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function entry(variant: string): ReturnType<typeof catalogEntryFromMeta> {
  const config = getVariant(variant).config;
  const meta = { variant, config, shards: [{ path: 'a.bin', bytes: 10, sha256: '' }], metrics: {} } as unknown as SwiftSRMeta;
  return catalogEntryFromMeta(variant, meta);
}

const catalog = makeCatalog(['tiny', 'lite32x4', 'tiny-x3', 'tiny-x2', 'paper-skip'].map(entry));
const none = { scales: null, tiers: null, names: null };
const names = (f: Parameters<typeof filterCatalog>[1]): string[] => filterCatalog(catalog, f, 'https://cdn/m/').map((m) => m.name);

describe('filterCatalog', () => {
  it('keeps fast and quality by default (paper only when named or asked for), with URLs under the index folder', () => {
    expect(names(none)).toEqual(['tiny-x2', 'tiny-x3', 'tiny', 'lite32x4']);
    expect(filterCatalog(catalog, none, 'https://cdn/m/')[0]).toEqual({ name: 'tiny-x2', scale: 2, macsPerOutputMegapixel: entry('tiny-x2').macsPerOutputMegapixel, url: 'https://cdn/m/tiny-x2/model.json' });
    expect(names({ ...none, tiers: ['paper'] })).toEqual(['paper-skip']);
    expect(names({ ...none, names: ['paper-skip', 'tiny'] })).toEqual(['tiny', 'paper-skip']);
    expect(names({ ...none, scales: [4], tiers: ['fast'] })).toEqual(['tiny']);
  });

  it('names the option when it leaves nothing or names a model the index lacks', () => {
    expect(() => names({ ...none, names: ['tiny-x9'] })).toThrow(/options\.models\.names: 'tiny-x9' is not in https:\/\/cdn\/m\/index\.json/);
    expect(() => names({ ...none, scales: [3], tiers: ['quality'] })).toThrow(RangeError);
  });
});

describe('loadModelRefs', () => {
  it('reads index.json for a folder, and swiftsr.json for a single modelUrl (its scale and cost)', async () => {
    await tf.setBackend('cpu');
    const config = getVariant('tiny-x3').config;
    const weights = randomTestWeights(config, 1);
    const meta = await saveGenerator(join(tmp, 'tiny-x3'), { variant: 'tiny-x3', config, weights });
    for (const t of weights.values()) t.dispose();
    writeFileSync(join(tmp, 'index.json'), serializeCatalog(makeCatalog([catalogEntryFromMeta('tiny-x3', meta)])));
    const signal = new AbortController().signal;
    const macs = catalogEntryFromMeta('tiny-x3', meta).macsPerOutputMegapixel;
    expect(await loadModelRefs({ kind: 'index', base: `${tmp}/`, filter: none, initial: null }, signal)).toEqual([
      { name: 'tiny-x3', scale: 3, macsPerOutputMegapixel: macs, url: `${tmp}/tiny-x3/model.json` },
    ]);
    const url = join(tmp, 'tiny-x3', 'model.json');
    expect(await loadModelRefs({ kind: 'single', url }, signal)).toEqual([{ name: 'tiny-x3', scale: 3, macsPerOutputMegapixel: macs, url }]);
    await expect(loadModelRefs({ kind: 'index', base: `${tmp}/nowhere/`, filter: none, initial: null }, signal)).rejects.toMatchObject({ name: 'ModelLoadError', code: 'fetch-failed' });
  });
});
