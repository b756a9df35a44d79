import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertPth } from './convertPth.js';
import { disposeWeights } from './initGeneratorWeights.js';
import { loadGenerator } from './loadGenerator.js';
import { ModelLoadError } from './ModelLoadError.js';
import { readPth } from './pth/readPth.js';
import { listZip, ZipFormatError } from './pth/zip.js';
import { makeZip } from '../../test/support/pthArchive.js';
import { saveGenerator } from './saveGenerator.js';
import { maxAbsDiff } from './testSupport.js';

const REPO = join(import.meta.dirname, '../..');
const FIXTURES = join(REPO, 'test/fixtures/model');
const tinyPth = (): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, 'tiny.pth.tar')));
const nhwc = (file: string, shape: [number, number, number, number]): tf.Tensor4D => tf.tidy(() => {
  const b = readFileSync(join(FIXTURES, file));
  return tf.transpose(tf.tensor4d(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), shape), [0, 2, 3, 1]);
});
let root: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'swiftsr-convert-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('convertPth', () => {
  it('turns a {model: state_dict} checkpoint into a loadable model that matches PyTorch within 1e-4', async () => {
    const converted = await convertPth(tinyPth());
    expect(converted.variant).toBe('tiny');
    const dir = join(root, 'tiny');
    await saveGenerator(dir, { variant: converted.variant, config: converted.config, weights: converted.weights });
    disposeWeights(converted.weights);
    const g = await loadGenerator(dir);
    const x = nhwc('tiny.input.bin', [1, 3, 12, 16]);
    const want = nhwc('tiny.output.bin', [1, 3, 48, 64]);
    const y = g.predict(x);
    expect(await maxAbsDiff(y, want)).toBeLessThan(1e-4);
    tf.dispose([x, want, y]);
    g.dispose();
  });

  it('refuses a variant whose architecture differs, and unknown variants', async () => {
    await expect(convertPth(tinyPth(), { variant: 'paper' })).rejects.toMatchObject({ code: 'shape-mismatch' });
    await expect(convertPth(tinyPth(), { variant: 'nope' })).rejects.toBeInstanceOf(ModelLoadError);
    const small = new Uint8Array(readFileSync(join(FIXTURES, 'paper-8x2-x4.pth')));
    await expect(convertPth(small)).rejects.toMatchObject({ code: 'unknown-variant' });
  });

  it('reports truncated and non-zip files clearly', async () => {
    const bytes = tinyPth();
    await expect(readPth(bytes.subarray(0, bytes.length - 100))).rejects.toBeInstanceOf(ZipFormatError);
    await expect(readPth(bytes.subarray(0, bytes.length - 100))).rejects.toThrow(/no end of central directory/);
    await expect(readPth(new TextEncoder().encode('not a checkpoint at all, just text'))).rejects.toThrow(/not a zip archive/);
  });

  it('refuses a bit-flipped checkpoint (CRC-32) and NaN weights with a valid CRC, naming the problem', async () => {
    const bytes = tinyPth();
    const entries = [...listZip(bytes).values()];
    const target = entries.find((e) => e.name === 'tiny.pth/data/0');
    expect(target?.size).toBe(972);
    const at = (target?.dataOffset ?? 0) + 8;
    const flipped = bytes.slice();
    flipped[at] = (flipped[at] ?? 0) ^ 0x04;
    await expect(convertPth(flipped)).rejects.toThrow(/tiny\.pth\/data\/0: CRC-32 [0-9a-f]{8} differs/);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(at, Number.NaN, true);
    const rezipped = makeZip(entries.map((e) => ({ name: e.name, data: nan.slice(e.dataOffset, e.dataOffset + e.size) })));
    await expect(convertPth(rezipped)).rejects.toMatchObject({ name: 'ModelLoadError', code: 'non-finite-weights', message: expect.stringMatching(/holds NaN at element 2/) as unknown });
    // The CLI prints one line naming the fault, no stack trace.
    const file = join(root, 'flipped.pth');
    writeFileSync(file, flipped);
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'bin/convert-pth.ts', file, join(root, 'flipped')], { cwd: REPO, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr.trim()).toMatch(/^convert-pth: ZipFormatError: tiny\.pth\/data\/0: CRC-32 [0-9a-f]{8} differs from the recorded [0-9a-f]{8} \(corrupted file\)$/);
  });

  it('runs as a CLI: npx tsx bin/convert-pth.ts in.pth.tar out-dir --variant tiny', () => {
    const out = join(root, 'cli');
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'bin/convert-pth.ts', join(FIXTURES, 'tiny.pth.tar'), out, '--variant', 'tiny'], { cwd: REPO, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/variant tiny, 13580 bytes in 1 shard\(s\), bnFolded true/);
    const meta = JSON.parse(readFileSync(join(out, 'swiftsr.json'), 'utf8')) as { provenance: { source: string } };
    expect(meta.provenance.source).toBe('tiny.pth.tar');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'bin/convert-pth.ts', join(FIXTURES, 'tiny.pth.tar'), join(root, 'bad'), '--variant', 'lite32x4'], { cwd: REPO, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/convert-pth: shape-mismatch: the checkpoint is 16 channels x 2 blocks/);
    expect(existsSync(join(root, 'bad'))).toBe(false);
  });
});
