import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeWeights } from './initGeneratorWeights.js';
import { loadGenerator, SHARD_READ_CONCURRENCY, type LoadOptions } from './loadGenerator.js';
import { MAX_JSON_BYTES, MAX_SHARDS } from './manifest.js';
import { ModelLoadError, type ModelLoadErrorCode } from './ModelLoadError.js';
import { nodeDirFiles, type FetchLike, type ModelFiles } from './modelFiles.js';
import { saveGenerator } from './saveGenerator.js';
import { randomTestWeights } from './testSupport.js';
import { getVariant } from './variants.js';

/** Red team #5: the loader's reads are capped, its shard count bounded, its weights finite. */
let root: string;
let good: string;
let unfolded: string;
let n = 0;
const SHARD = 'group1-shard1of1.bin';
interface Json { [k: string]: unknown }

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'swiftsr-limits-'));
  good = join(root, 'good');
  unfolded = join(root, 'unfolded');
  const config = getVariant('tiny').config;
  const weights = randomTestWeights(config, 5);
  await saveGenerator(good, { variant: 'tiny', config, weights });
  await saveGenerator(unfolded, { variant: 'tiny', config, weights, fold: false });
  disposeWeights(weights);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function copyOf(dir: string, edit: (d: string) => void): string {
  const d = join(root, `case${n++}`);
  cpSync(dir, d, { recursive: true });
  edit(d);
  return d;
}
const readJson = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const shardsOf = (meta: Json): Json[] => meta.shards as Json[];

async function expectCode(source: Parameters<typeof loadGenerator>[0], code: ModelLoadErrorCode, opts: LoadOptions = {}): Promise<ModelLoadError> {
  const before = tf.memory().numTensors;
  const e = await loadGenerator(source, opts).then((g) => g.dispose(), (x: unknown) => x);
  expect(e).toBeInstanceOf(ModelLoadError);
  expect((e as ModelLoadError).code).toBe(code);
  expect(tf.memory().numTensors).toBe(before);
  return e as ModelLoadError;
}

/**
 * A fetch() over a directory whose `huge` file is a 16 MiB stream made lazily in 64 KiB chunks (finite, so
 * a reader without a cap ends too); counts the bytes it gave out.
 */
function streamingFetch(dir: string, huge: string): { fetch: FetchLike; served: () => number } {
  let served = 0;
  const fetch: FetchLike = (url) => {
    const name = url.slice(url.lastIndexOf('/') + 1);
    if (name !== huge) return Promise.resolve(new Response(readFileSync(join(dir, name))));
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (served >= 16 * 1024 * 1024) {
          c.close();
          return;
        }
        served += chunk.length;
        c.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
    return Promise.resolve(new Response(body));
  };
  return { fetch, served: () => served };
}

describe('loader limits (red team 5)', () => {
  it('a 3 GB sparse shard declared as 13,580 bytes is refused after reading 13,581 bytes (Node files)', async () => {
    const dir = copyOf(good, (d) => truncateSync(join(d, SHARD), 3 * 1024 ** 3));
    expect((await expectCode(dir, 'checksum-mismatch')).message).toMatch(/longer than the 13580 bytes recorded/);
  });

  it('a 16 MiB shard body is cancelled once it passes the recorded size (fetch)', async () => {
    const { fetch, served } = streamingFetch(good, SHARD);
    expect((await expectCode('http://127.0.0.1:9/m/', 'checksum-mismatch', { fetch })).message).toMatch(/longer than the 13580 bytes/);
    expect(served()).toBeLessThanOrEqual(13_580 + 2 * 64 * 1024);
  });

  it(`model.json / swiftsr.json over ${MAX_JSON_BYTES} bytes: too-large, without reading them`, async () => {
    // Valid JSON, padded past the limit: it used to load.
    const padded = copyOf(good, (d) => writeFileSync(join(d, 'model.json'), `${readFileSync(join(d, 'model.json'), 'utf8')}${' '.repeat(MAX_JSON_BYTES)}`));
    expect((await expectCode(padded, 'too-large')).message).toMatch(/model\.json is larger than 1048576 bytes/);
    const sparse = copyOf(good, (d) => truncateSync(join(d, 'swiftsr.json'), 3 * 1024 ** 3));
    await expectCode(sparse, 'too-large');
    const { fetch, served } = streamingFetch(good, 'model.json');
    await expectCode('http://127.0.0.1:9/m/', 'too-large', { fetch });
    expect(served()).toBeLessThanOrEqual(MAX_JSON_BYTES + 2 * 64 * 1024);
  });

  it(`more than ${MAX_SHARDS} shards: too-large before any shard is read`, async () => {
    const many = copyOf(good, (d) => {
      const meta = readJson(join(d, 'swiftsr.json'));
      const model = readJson(join(d, 'model.json'));
      const shards = Array.from({ length: MAX_SHARDS + 1 }, (_, i) => ({ path: `s${i}.bin`, bytes: i === 0 ? 13_580 : 0, sha256: '0'.repeat(64) }));
      meta.shards = shards;
      ((model.weightsManifest as Json[])[0] as Json).paths = shards.map((s) => s.path);
      writeFileSync(join(d, 'swiftsr.json'), JSON.stringify(meta));
      writeFileSync(join(d, 'model.json'), JSON.stringify(model));
    });
    const inner = nodeDirFiles(many);
    const names: string[] = [];
    const files: ModelFiles = { location: inner.location, read: (name, signal, max) => { names.push(name); return inner.read(name, signal, max); } };
    expect((await expectCode(files, 'too-large')).message).toMatch(/lists 257 shards; at most 256/);
    expect(names.sort()).toEqual(['model.json', 'swiftsr.json']);
  });

  it(`reads shards ${SHARD_READ_CONCURRENCY} at a time`, async () => {
    // The model re-sharded into 40 files of ~340 bytes each.
    const split = copyOf(good, (d) => {
      const bytes = readFileSync(join(d, SHARD));
      const meta = readJson(join(d, 'swiftsr.json'));
      const model = readJson(join(d, 'model.json'));
      const size = Math.ceil(bytes.length / 40);
      const shards = Array.from({ length: 40 }, (_, i) => {
        const part = bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size));
        writeFileSync(join(d, `p${i}.bin`), part);
        return { path: `p${i}.bin`, bytes: part.length, sha256: sha256(part) };
      });
      meta.shards = shards;
      ((model.weightsManifest as Json[])[0] as Json).paths = shards.map((s) => s.path);
      writeFileSync(join(d, 'swiftsr.json'), JSON.stringify(meta));
      writeFileSync(join(d, 'model.json'), JSON.stringify(model));
    });
    const inner = nodeDirFiles(split);
    let inFlight = 0;
    let most = 0;
    const files: ModelFiles = {
      location: inner.location,
      async read(name, signal, max) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        try {
          return await inner.read(name, signal, max);
        } finally {
          inFlight--;
        }
      },
    };
    const g = await loadGenerator(files);
    expect(g.variant).toBe('tiny');
    g.dispose();
    expect(most).toBe(SHARD_READ_CONCURRENCY);
  });

  it('NaN, Infinity and a negative running variance with a recomputed checksum: non-finite-weights naming the tensor', async () => {
    const poisoned = (dir: string, at: number, value: number): string => copyOf(dir, (d) => {
      const bytes = readFileSync(join(d, SHARD));
      bytes.writeFloatLE(value, at);
      writeFileSync(join(d, SHARD), bytes);
      const meta = readJson(join(d, 'swiftsr.json'));
      (shardsOf(meta)[0] as Json).sha256 = sha256(bytes);
      writeFileSync(join(d, 'swiftsr.json'), JSON.stringify(meta));
    });
    // The first tensor is initial.cnn.depthwise.weight ([9, 9, 3, 1]: 243 floats).
    expect((await expectCode(poisoned(good, 4 * 7, Number.NaN), 'non-finite-weights')).message).toMatch(/'initial\.cnn\.depthwise\.weight' holds NaN at element 7/);
    expect((await expectCode(poisoned(good, 4 * 300, -Infinity), 'non-finite-weights')).message).toMatch(/holds -Infinity/);
    const model = readJson(join(unfolded, 'model.json'));
    let offset = 0;
    for (const w of ((model.weightsManifest as Json[])[0] as Json).weights as Json[]) {
      if (w.name === 'convblock.bn.running_var') break;
      offset += 4 * (w.shape as number[]).reduce((a, b) => a * b, 1);
    }
    expect((await expectCode(poisoned(unfolded, offset, -2), 'non-finite-weights')).message).toMatch(/'convblock\.bn\.running_var' holds -2 at element 0: a negative variance/);
  });
});
