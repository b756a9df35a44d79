import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tinyValues, TINY_DIR } from '../adapt/testSupport.js';
import { saveGenerator } from '../model/saveGenerator.js';
import { randomTestWeights } from '../model/testSupport.js';
import { getVariant } from '../model/variants.js';
import { loadUpdateBase } from './updateBases.js';

const ref = (url: string) => ({ name: 'tiny', scale: 4 as const, macsPerOutputMegapixel: 1, url });

describe('loadUpdateBase', () => {
  it("builds the shipped model's base from its shard bytes: digest = the shard's sha256", async () => {
    const base = await loadUpdateBase(ref(join(TINY_DIR, 'model.json')), new AbortController().signal);
    const { values, shardSha256 } = await tinyValues();
    expect(base?.digestHex).toBe(shardSha256);
    expect(base?.variant).toBe('tiny');
    expect(base?.values.map((v) => [...v])).toEqual(values.map((v) => [...v]));
  });

  it('a model stored unfolded, or in several shards, takes no updates (its shard checksum is not the base digest)', async () => {
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'swiftsr-base-'));
    try {
      const config = getVariant('tiny').config;
      const weights = randomTestWeights(config, 5);
      await saveGenerator(join(dir, 'unfolded'), { variant: 'tiny', config, weights, fold: false });
      await saveGenerator(join(dir, 'sharded'), { variant: 'tiny', config, weights, shardBytes: 4096 });
      await saveGenerator(join(dir, 'folded'), { variant: 'tiny', config, weights });
      for (const t of weights.values()) t.dispose();
      const meta = (d: string): { bnFolded: boolean; shards: unknown[] } => JSON.parse(readFileSync(join(dir, d, 'swiftsr.json'), 'utf8')) as { bnFolded: boolean; shards: unknown[] };
      expect([meta('unfolded').bnFolded, meta('sharded').shards.length > 1]).toEqual([false, true]);
      const load = (d: string) => loadUpdateBase(ref(join(dir, d, 'model.json')), new AbortController().signal);
      expect(await load('unfolded')).toBeNull();
      expect(await load('sharded')).toBeNull();
      expect((await load('folded'))?.variant).toBe('tiny');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
