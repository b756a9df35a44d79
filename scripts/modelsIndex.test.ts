import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCatalog, serializeCatalog } from '../src/model/catalog.js';
import { saveGenerator } from '../src/model/saveGenerator.js';
import { randomTestWeights } from '../src/model/testSupport.js';
import { getVariant } from '../src/model/variants.js';
import { buildModelIndex, writeModelIndex } from './modelsIndex.js';

const MODELS = fileURLToPath(new URL('../models/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'swiftsr-index-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run models:index', () => {
  it('the committed models/index.json is what the script builds from the model folders (rerun it after adding a model)', () => {
    const committed = readFileSync(join(MODELS, 'index.json'), 'utf8');
    expect(committed).toBe(serializeCatalog(buildModelIndex(MODELS)));
    const names = parseCatalog(new TextEncoder().encode(committed)).models.map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);
  });

  it('indexes a folder of saved models, x3 included, and the receiver-side parser accepts the file', async () => {
    await tf.setBackend('cpu');
    for (const variant of ['tiny-x3', 'tiny', 'tiny-x2']) {
      const config = getVariant(variant).config;
      const weights = randomTestWeights(config, 3);
      await saveGenerator(join(tmp, variant), { variant, config, weights });
      for (const t of weights.values()) t.dispose();
    }
    writeModelIndex(tmp);
    const c = parseCatalog(readFileSync(join(tmp, 'index.json')));
    expect(c.models.map((m) => [m.name, m.scale, m.tier])).toEqual([['tiny-x2', 2, 'fast'], ['tiny-x3', 3, 'fast'], ['tiny', 4, 'fast']]);
    expect(c.models.every((m) => m.bytes > 0 && m.params > 0)).toBe(true);
  });
});
