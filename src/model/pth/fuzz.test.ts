import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeWeights, seededRandom } from '../initGeneratorWeights.js';
import { ModelLoadError } from '../ModelLoadError.js';
import { importTorchStateDict, inferTorchConfig, stripModulePrefix } from '../pytorchLayout.js';
import { ByteBudget, PthFormatError } from './errors.js';
import { findStateDict, readPth } from './readPth.js';
import { makeZip, type TestEntry } from '../../../test/support/pthArchive.js';
import { crc32, listZip, readZipEntry } from './zip.js';

const FIXTURE = join(import.meta.dirname, '../../../test/fixtures/model/espcn-nearest-8x1-x2.pth');
/** Byte values that tend to hit edge cases: zero, sign bits, all ones, pickle's MARK/STOP/APPEND(S). */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x28, 0x2e, 0x61, 0x65, 0x8b, 0x8a, 0x68, 0x52];

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

/** 1-4 edits: set a byte, XOR a bit, cut the tail, repeat or drop a short slice. */
function mutate(bytes: Uint8Array, rand: Rand): Uint8Array {
  let out = bytes.slice();
  const edits = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < edits && out.length > 0; k++) {
    const at = Math.floor(rand() * out.length);
    const kind = rand();
    if (kind < 0.35) out[at] = pick(rand, INTERESTING);
    else if (kind < 0.7) out[at] = (out[at] ?? 0) ^ (1 << Math.floor(rand() * 8));
    else if (kind < 0.8) out = out.slice(0, at);
    else {
      const len = 1 + Math.floor(rand() * 16);
      const slice = out.slice(at, at + len);
      out = rand() < 0.5 ? new Uint8Array([...out.subarray(0, at), ...slice, ...out.subarray(at)]) : new Uint8Array([...out.subarray(0, at), ...out.subarray(at + len)]);
    }
  }
  return out;
}

/**
 * What convertPth does short of matching a registered variant (the fixture, 8 channels x 1 block, is none):
 * only the importer's own error types may escape. Returns the error's class name.
 */
async function importOnce(bytes: Uint8Array): Promise<string> {
  try {
    const stateDict = stripModulePrefix(findStateDict(await readPth(bytes)));
    disposeWeights(importTorchStateDict(inferTorchConfig(stateDict, 'nearest'), stateDict));
    // What was read: names, shapes and the CRC-32 of every tensor's float32 bytes.
    return `ok ${[...stateDict].map(([k, t]) => `${k}[${t.shape.join()}]${t.data === null ? '-' : crc32(new Uint8Array(t.data.buffer))}`).join(' ')}`;
  } catch (e) {
    if (e instanceof PthFormatError || e instanceof ModelLoadError) return e.name;
    throw new Error(`a ${(e as Error).name} escaped the importer: ${(e as Error).message}`, { cause: e });
  }
}

let original: Uint8Array;
let entries: { name: string; data: Uint8Array }[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  original = new Uint8Array(readFileSync(FIXTURE));
  const budget = ByteBudget.forFile(original.length);
  entries = await Promise.all([...listZip(original).values()].map(async (e) => ({ name: e.name, data: (await readZipEntry(original, e, budget)).slice() })));
});

describe('.pth importer fuzz (red team 4g): seeded mutations of a real checkpoint', () => {
  it('the untouched fixture converts', async () => {
    expect(await importOnce(original)).toMatch(/^ok initial\.cnn\.depthwise\.weight\[3,1,9,9\]\d+ /);
  });

  it('2,000 mutations of the archive bytes: only PthFormatError / ModelLoadError escape', async () => {
    const want = await importOnce(original);
    const rand = seededRandom(1);
    const seen = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const got = await importOnce(mutate(original, rand));
      // Edits to bytes nothing reads (timestamps, padding, data descriptors) may load, but only as the original.
      if (got.startsWith('ok')) expect(got).toBe(want);
      seen.set(got.split(' ')[0] ?? '', (seen.get(got.split(' ')[0] ?? '') ?? 0) + 1);
    }
    expect(seen.get('ZipFormatError')).toBeGreaterThan(1000);
  });

  it('2,000 mutations of data.pkl or a storage, re-zipped with valid CRCs: only the importer\'s errors escape', async () => {
    const rand = seededRandom(2);
    const seen = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      // Mostly the pickle (the interpreter and tensor checks); sometimes a storage (sizes, values).
      const target = rand() < 0.8 ? 0 : 1 + Math.floor(rand() * (entries.length - 1));
      const zip = makeZip(entries.map((e, k): TestEntry => (k === target ? { name: e.name, data: mutate(e.data, rand) } : e)));
      const name = await importOnce(zip);
      seen.set(name, (seen.get(name) ?? 0) + 1);
    }
    expect(seen.get('PickleError')).toBeGreaterThan(100);
    expect(seen.get('PthFormatError')).toBeGreaterThan(10);
  });
});
