import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveGenerator } from '../model/saveGenerator.js';
import { randomTestWeights } from '../model/testSupport.js';
import { getVariant } from '../model/variants.js';
import { ModelStore } from './ModelStore.js';

let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'swiftsr-store-'));
  const config = getVariant('tiny').config;
  const weights = randomTestWeights(config, 3);
  await saveGenerator(join(dir, 'tiny'), { variant: 'tiny', config, weights });
  for (const t of weights.values()) t.dispose();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ModelStore', () => {
  it('loads lazily, once per URL, and frees everything on dispose', async () => {
    const before = tf.memory().numTensors;
    const store = new ModelStore();
    const ref = { name: 'tiny', scale: 4 as const, macsPerOutputMegapixel: 1, url: join(dir, 'tiny', 'model.json') };
    expect(store.get(ref)).toBeUndefined();
    const [a, b] = await Promise.all([store.load(ref, new AbortController().signal), store.load(ref, new AbortController().signal)]);
    expect(a).toBe(b);
    expect(store.get(ref)).toBe(a);
    expect(a.config.channels).toBe(16);
    store.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an aborted load rejects with code aborted and is not cached', async () => {
    const store = new ModelStore();
    const ref = { name: 'tiny', scale: 4 as const, macsPerOutputMegapixel: 1, url: join(dir, 'tiny2', 'model.json') };
    const ac = new AbortController();
    ac.abort();
    await expect(store.load(ref, ac.signal)).rejects.toMatchObject({ name: 'ModelLoadError', code: 'aborted' });
    expect(store.get(ref)).toBeUndefined();
    store.dispose();
  });

  it('keeps the bytes: a new store (a recreated device) reloads without reading the files again', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'swiftsr-store-copy-'));
    const config = getVariant('tiny').config;
    const weights = randomTestWeights(config, 4);
    await saveGenerator(join(copy, 'tiny'), { variant: 'tiny', config, weights });
    for (const t of weights.values()) t.dispose();
    const ref = { name: 'tiny', scale: 4 as const, macsPerOutputMegapixel: 1, url: join(copy, 'tiny', 'model.json') };
    const first = new ModelStore();
    await first.load(ref, new AbortController().signal);
    first.dispose();
    rmSync(copy, { recursive: true, force: true });
    const second = new ModelStore();
    const g = await second.load(ref, new AbortController().signal);
    expect(g.variant).toBe('tiny');
    second.dispose();
  });

  it('forgets the bytes of a load that failed validation: after the file is fixed, a retry refetches and loads', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'swiftsr-store-bad-'));
    const config = getVariant('tiny').config;
    const weights = randomTestWeights(config, 5);
    await saveGenerator(join(copy, 'tiny'), { variant: 'tiny', config, weights });
    for (const t of weights.values()) t.dispose();
    const shard = join(copy, 'tiny', 'group1-shard1of1.bin');
    const good = readFileSync(shard);
    const bad = Buffer.from(good);
    bad[100] = (bad[100] ?? 0) ^ 0x20;
    writeFileSync(shard, bad);
    const ref = { name: 'tiny', scale: 4 as const, macsPerOutputMegapixel: 1, url: join(copy, 'tiny', 'model.json') };
    const store = new ModelStore();
    await expect(store.load(ref, new AbortController().signal)).rejects.toMatchObject({ name: 'ModelLoadError', code: 'checksum-mismatch' });
    writeFileSync(shard, good);
    const g = await store.load(ref, new AbortController().signal);
    expect(g.variant).toBe('tiny');
    store.dispose();
    rmSync(copy, { recursive: true, force: true });
  });
});
