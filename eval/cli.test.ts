import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRandomModel } from '../imaging/testFixtures.js';
import { vp8RoundTrip } from '../imaging/vp8Intra.js';
import { setupBackend } from './backend.js';
import { evaluateImages } from './evaluate.js';

const ROOT = join(import.meta.dirname, '..');
// `node --import tsx`: the way bin/swiftsr.mjs runs the CLI (one process).
const CLI = ['--import', 'tsx', join(ROOT, 'eval', 'cli.ts')];
let dir: string;
let data: string;
let model: string;

/** Smooth RGB images, 40..56 px, sides not all multiples of 4 (modcrop is exercised). */
async function makeImages(folder: string, n: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (let k = 0; k < n; k++) {
    const w = 40 + 4 * k;
    const h = 56 - 4 * k;
    const px = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = 128 + 100 * Math.sin(x * (0.2 + 0.05 * k) + c) * Math.cos(y * (0.3 - 0.03 * k));
      }
    }
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(folder, `img${k}.png`));
  }
}

beforeAll(async () => {
  await setupBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'swiftsr-eval-'));
  data = join(dir, 'data');
  await makeImages(data, 5);
  model = await makeRandomModel('tiny');
});

describe('eval and upscale commands', () => {
  it('eval prints per-image and mean metrics for model and bicubic, and writes them into swiftsr.json', async () => {
    const r = spawnSync(process.execPath, [...CLI, 'eval', '--model', model, '--data', data, '--backend', 'cpu', '--write-metrics', '--label', 'fixture'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { scale: number; images: { model: { psnrY: number; ssimY: number }; bicubic: { psnrY: number } }[]; mean: { images: number; model: { psnrY: number }; bicubic: { psnrY: number; ssimY: number } } };
    expect(report.scale).toBe(4);
    expect(report.images).toHaveLength(5);
    const avg = report.images.reduce((s, i) => s + i.model.psnrY, 0) / 5;
    expect(report.mean.model.psnrY).toBeCloseTo(avg, 2);
    expect(report.mean.bicubic.psnrY).toBeGreaterThan(15);
    expect(report.mean.bicubic.ssimY).toBeGreaterThan(0.3);
    expect(report.mean.bicubic.ssimY).toBeLessThanOrEqual(1);
    const meta = JSON.parse(await readFile(join(model, 'swiftsr.json'), 'utf8')) as { metrics: Record<string, { model: { psnrY: number } }> };
    expect(meta.metrics['fixture']?.model.psnrY).toBeCloseTo(report.mean.model.psnrY, 3);
  });

  it('swiftsr upscale writes a 4x PNG', async () => {
    const out = join(dir, 'up.png');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'swiftsr.mjs'), 'upscale', join(data, 'img1.png'), out, '--model', model, '--backend', 'cpu'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const m = await sharp(out).metadata();
    expect([m.width, m.height]).toEqual([44 * 4, 52 * 4]);
  });

  it('a missing data folder or an unknown option is a one-line error with exit code 1', () => {
    const r = spawnSync(process.execPath, [...CLI, 'eval', '--model', model, '--data', join(dir, 'missing'), '--backend', 'cpu'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: data folder not found/m);
    const bad = spawnSync(process.execPath, [...CLI, 'eval', '--bogus'], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: Unknown option '--bogus'\nusage:/m);
  });
});

describe('eval on codec-compressed LR', () => {
  it('feeds the compressed LR to both model and bicubic, against the clean HR', async () => {
    const w = 64;
    const px = new Uint8Array(w * w * 3).map((_, i) => 128 + 100 * Math.sin((i % (w * 3)) * 0.05) * Math.cos(Math.floor(i / (w * 3)) * 0.2));
    const file = join(dir, 'hr.png');
    await sharp(px, { raw: { width: w, height: w, channels: 3 } }).png().toFile(file);
    const up = (x: tf.Tensor4D): tf.Tensor4D => tf.image.resizeBilinear(x, [x.shape[1] * 4, x.shape[2] * 4]);
    const cacheDir = join(dir, 'vp8-cache');
    const clean = await evaluateImages(up, [file], 4);
    const same = await evaluateImages(up, [file], 4, undefined, (lr) => Promise.resolve(lr));
    const coded = await evaluateImages(up, [file], 4, undefined, (lr) => vp8RoundTrip(lr, 60, { cacheDir }));
    expect(same.mean).toEqual(clean.mean);
    expect(coded.mean.bicubic.psnrY).toBeLessThan(clean.mean.bicubic.psnrY - 0.5);
    expect(coded.mean.model.psnrY).toBeLessThan(clean.mean.model.psnrY - 0.5);
  });
});
