import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeWeights } from './initGeneratorWeights.js';
import { loadGenerator, type LoadOptions } from './loadGenerator.js';
import { ModelLoadError, type ModelLoadErrorCode } from './ModelLoadError.js';
import type { FetchLike } from './modelFiles.js';
import { saveGenerator } from './saveGenerator.js';
import { randomTestWeights } from './testSupport.js';
import { getVariant } from './variants.js';

let root: string;
let good: string;
let n = 0;

interface Json { [k: string]: unknown }
const SHARD = 'group1-shard1of1.bin';

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'swiftsr-faults-'));
  good = join(root, 'good');
  const config = getVariant('tiny').config;
  const weights = randomTestWeights(config, 1);
  await saveGenerator(good, { variant: 'tiny', config, weights });
  disposeWeights(weights);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the good model with one fault. */
function corrupted(edit: (dir: string) => void): string {
  const dir = join(root, `case${n++}`);
  cpSync(good, dir, { recursive: true });
  edit(dir);
  return dir;
}
const editJson = (file: string, f: (j: Json) => void) => (dir: string): void => {
  const j = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
  f(j);
  writeFileSync(join(dir, file), JSON.stringify(j));
};
const weightsOf = (j: Json): Json[] => ((j.weightsManifest as Json[])[0] as { weights: Json[] }).weights;

async function expectCode(source: Parameters<typeof loadGenerator>[0], code: ModelLoadErrorCode, opts: LoadOptions = {}): Promise<ModelLoadError> {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    (await loadGenerator(source, opts)).dispose();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelLoadError);
  expect((error as ModelLoadError).code).toBe(code);
  expect(tf.memory().numTensors).toBe(before);
  return error as ModelLoadError;
}

describe('loadGenerator faults', () => {
  it('fetch-failed: a directory that does not exist, and an HTTP 404', async () => {
    for (let i = 0; i < 5; i++) expect((await expectCode(join(root, 'absent'), 'fetch-failed')).message).toMatch(/model\.json/);
    expect((await expectCode(corrupted((d) => rmSync(join(d, 'swiftsr.json'))), 'fetch-failed')).message).toMatch(/swiftsr\.json/);
    const fetch404: FetchLike = () => Promise.resolve({ ok: false, status: 404, statusText: 'Not Found', arrayBuffer: () => Promise.resolve(new ArrayBuffer(0)) });
    expect((await expectCode('http://127.0.0.1:9/m/', 'fetch-failed', { fetch: fetch404 })).message).toMatch(/HTTP 404/);
  });

  it('bad-manifest: broken JSON, a wrong format version, shard lists that disagree', async () => {
    await expectCode(corrupted((d) => writeFileSync(join(d, 'model.json'), '{"format": "swiftsr-weights", ')), 'bad-manifest');
    expect((await expectCode(corrupted(editJson('swiftsr.json', (j) => { j.formatVersion = 2; })), 'bad-manifest')).message).toMatch(/formatVersion/);
    await expectCode(corrupted(editJson('swiftsr.json', (j) => { (j.config as Json).channels = 32; })), 'bad-manifest');
    await expectCode(corrupted(editJson('model.json', (j) => { ((j.weightsManifest as Json[])[0] as Json).paths = ['other.bin']; })), 'bad-manifest');
    await expectCode(corrupted(editJson('model.json', (j) => { ((j.weightsManifest as Json[])[0] as Json).paths = ['../escape.bin']; })), 'bad-manifest');
  });

  it('unknown-variant', async () => {
    expect((await expectCode(corrupted(editJson('swiftsr.json', (j) => { j.variant = 'giant'; })), 'unknown-variant')).message).toMatch(/known: paper/);
  });

  it('missing-tensor and extra-tensor', async () => {
    await expectCode(corrupted(editJson('model.json', (j) => { weightsOf(j).splice(3, 1); })), 'missing-tensor');
    await expectCode(corrupted(editJson('model.json', (j) => { weightsOf(j).push({ name: 'convblock.bn.running_var', shape: [16], dtype: 'float32' }); })), 'extra-tensor');
  });

  it('shape-mismatch and dtype-mismatch', async () => {
    expect((await expectCode(corrupted(editJson('model.json', (j) => { (weightsOf(j)[0] as Json).shape = [3, 1, 9, 9]; })), 'shape-mismatch')).message)
      .toMatch(/initial\.cnn\.depthwise\.weight/);
    await expectCode(corrupted(editJson('model.json', (j) => { (weightsOf(j)[1] as Json).dtype = 'int32'; })), 'dtype-mismatch');
  });

  it('truncated-shard and checksum-mismatch', async () => {
    await expectCode(corrupted((d) => truncateSync(join(d, SHARD), 1000)), 'truncated-shard');
    await expectCode(corrupted((d) => {
      const b = readFileSync(join(d, SHARD));
      b[500] = (b[500] ?? 0) ^ 0x40;
      writeFileSync(join(d, SHARD), b);
    }), 'checksum-mismatch');
  });

  it('aborted: before the load and while a fetch is in flight', async () => {
    await expectCode(good, 'aborted', { signal: AbortSignal.abort() });
    const ac = new AbortController();
    const hanging: FetchLike = (_url, init) => new Promise((_resolve, reject) => {
      init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      setTimeout(() => ac.abort(), 5);
    });
    await expectCode('http://127.0.0.1:9/m/', 'aborted', { fetch: hanging, signal: ac.signal });
  });

  it('loads the untouched copy (the faults above are the only difference)', async () => {
    const g = await loadGenerator(corrupted(() => undefined));
    expect(g.variant).toBe('tiny');
    g.dispose();
  });
});
