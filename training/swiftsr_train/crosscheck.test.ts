/**
 * The PyTorch engine against the TypeScript side: its own tests (pytest: loss falls, exact resume, SIGTERM,
 * argument errors), the export loaded by loadGenerator in TF.js against the PyTorch output, MATLAB-bicubic
 * imresize Python vs TypeScript, and the PyTorch MobileNetV2 against TF.js (only where ../shared is present).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imresize } from '../../imaging/imresize.js';
import { loadGenerator } from '../../src/model/loadGenerator.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';
const MOBILENET = resolve(REPO, '../shared/weights/mobilenet_v2/tm_export_0.35_224/model.json');

let work = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'swiftsr-train-xc-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const py = async (...args: string[]): Promise<void> => {
  await run(PYTHON, ['-m', 'training.swiftsr_train.tests.crosscheck', ...args], { cwd: REPO, timeout: 120_000 });
};
const readF32 = async (path: string): Promise<Float32Array> => {
  const b = await readFile(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const maxAbsDiff = (a: Float32Array, b: Float32Array): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
};

describe('PyTorch engine (pytest)', () => {
  it('trains, resumes exactly, stops on SIGTERM and rejects bad arguments', async () => {
    const r = await run(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'training/swiftsr_train/tests'], { cwd: REPO, timeout: 180_000 }).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`pytest failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    });
    expect(r.stdout).toMatch(/\d+ passed/);
    expect(r.stdout).not.toMatch(/failed|error/);
  });
});

describe('export into models/<name>/', () => {
  for (const variant of ['tiny', 'tiny-x3']) {
    it(`${variant}: loadGenerator in TF.js matches the PyTorch model within 1e-4, with provenance`, async () => {
      const dir = join(work, variant);
      await py('export', variant, dir);
      const shapes = JSON.parse(await readFile(join(dir, 'shapes.json'), 'utf8')) as { input: number[]; output: number[] };
      const g = await loadGenerator(join(dir, 'model'));
      const x = tf.tensor4d(await readF32(join(dir, 'input.f32')), shapes.input as [number, number, number, number]);
      const y = g.predict(x);
      expect(y.shape).toEqual(shapes.output);
      expect(maxAbsDiff(y.dataSync() as Float32Array, await readF32(join(dir, 'output.f32')))).toBeLessThan(1e-4);
      tf.dispose([x, y]);
      g.dispose();
      const meta = JSON.parse(await readFile(join(dir, 'model', 'swiftsr.json'), 'utf8')) as { variant: string; bnFolded: boolean; provenance: Record<string, unknown> };
      expect(meta.variant).toBe(variant);
      expect(meta.bnFolded).toBe(true);
      expect(meta.provenance).toMatchObject({ trainer: 'training/swiftsr_train (PyTorch)', steps: 3, seed: 1, convertedBy: 'bin/convert-pth.ts' });
      expect(meta.provenance['degradations']).toMatchObject({ mix: { clean: 1 } });
      expect(typeof meta.provenance['torch']).toBe('string');
      expect(typeof meta.provenance['wallSeconds']).toBe('number');
    });
  }
});

describe('MATLAB-bicubic imresize: Python equals TypeScript', () => {
  it('downscales x2/x3/x4 and upscales x4 a synthetic image to the same 8-bit values', async () => {
    const w = 53;
    const h = 38;
    const data = new Float32Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = 0.5 + 0.45 * Math.sin(0.37 * x * (c + 1) + 0.23 * y) * ((x + y) % 7 === 0 ? -1 : 1);
      }
    }
    const input = join(work, 'resize-in.f32');
    await writeFile(input, data);
    for (const scale of [1 / 2, 1 / 3, 1 / 4, 4]) {
      const out = join(work, `resize-${scale}.f32`);
      await py('imresize', input, String(h), String(w), String(scale), out);
      const ts = imresize({ width: w, height: h, data }, scale);
      const pyOut = await readF32(out);
      expect(pyOut.length).toBe(ts.data.length);
      let worst = 0;
      let differ = 0;
      for (let i = 0; i < pyOut.length; i++) {
        const a = Math.round(Math.min(1, Math.max(0, pyOut[i] ?? 0)) * 255);
        const b = Math.round(Math.min(1, Math.max(0, ts.data[i] ?? 0)) * 255);
        worst = Math.max(worst, Math.abs(a - b));
        if (a !== b) differ++;
      }
      expect(maxAbsDiff(pyOut, ts.data)).toBeLessThan(1e-5);
      expect(worst).toBeLessThanOrEqual(1);
      expect(differ).toBeLessThanOrEqual(pyOut.length * 1e-3);
    }
  });
});

describe('MobileNetV2 perceptual features: PyTorch equals TF.js', () => {
  // The ImageNet weights are research data in ../shared (never in the repository or downloaded): without
  // them this one test is skipped, and says why in its name.
  it.skipIf(!existsSync(MOBILENET))(`block_3_expand_relu on a random 40x56 image within 1e-3 (needs ${MOBILENET})`, async () => {
    const [h, w] = [40, 56];
    const x = tf.randomUniform<tf.Rank.R4>([1, h, w, 3], 0, 1, 'float32', 7);
    const input = join(work, 'mnet-in.f32');
    await writeFile(input, x.dataSync() as Float32Array);
    const out = join(work, 'mnet-out.f32');
    await py('mobilenet', MOBILENET, input, String(h), String(w), out);
    const ref = await tfjsFeatures(MOBILENET, x);
    expect(ref.shape).toEqual([1, 10, 14, 48]);
    const torchOut = await readF32(out);
    expect(maxAbsDiff(torchOut, ref.dataSync() as Float32Array)).toBeLessThan(1e-3);
    tf.dispose([x, ref]);
  });
});

/** The TF.js reading of the same export (tfjs-layers rebuilds the Keras graph), cut at block_3_expand_relu. */
async function tfjsFeatures(path: string, x: tf.Tensor4D): Promise<tf.Tensor> {
  interface Json { modelTopology: { config: { layers: { config: { layers: { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] } }[] } }[] } }; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }
  const json = JSON.parse(await readFile(path, 'utf8')) as Json;
  const inner = json.modelTopology.config.layers[0]?.config.layers[0];
  if (inner === undefined) throw new Error(`${path}: unexpected layout`);
  const cfg = structuredClone(inner.config);
  for (const l of cfg.layers) if (l.class_name === 'InputLayer') l.config['batch_input_shape'] = [null, null, null, 3];
  const full = await tfl.models.modelFromJSON({ class_name: 'Model', config: cfg } as unknown as Parameters<typeof tfl.models.modelFromJSON>[0]);
  const bytes = Buffer.concat(await Promise.all((json.weightsManifest[0]?.paths ?? []).map((p) => readFile(join(dirname(path), p)))));
  const named = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), json.weightsManifest.flatMap((g) => g.weights));
  full.loadWeights(named, false);
  const cut = tfl.model({ inputs: full.inputs, outputs: full.getLayer('block_3_expand_relu').output });
  const y = cut.predict(tf.sub(tf.mul(x, 2), 1)) as tf.Tensor;
  full.dispose();
  tf.dispose(Object.values(named));
  return y;
}
